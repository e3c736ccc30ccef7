"""Everything that touches the outside world: e-mail, sales tasks, database projections."""

from activities.journey_activities import JourneyActivities
from activities.sales_activities import SalesActivities

__all__ = ["JourneyActivities", "SalesActivities"]
