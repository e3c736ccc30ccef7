"""Everything that touches the outside world: e-mail, sales tasks, database projections."""

from activities.journey_activities import JourneyActivities

__all__ = ["JourneyActivities"]
