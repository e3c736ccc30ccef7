"""Journey simulation: play imagined prospects through a journey before it touches real people.

- `scenario`: the scenario file (prospects and their timed events), checked against the journey;
  `moments` reads "day 5 10:00", `documents` reports problems with their path and line.
- `runner`: plays a scenario through the production interpreter on a virtual clock, the way
  the Temporal workflow drives it; `effects` answers its commands in memory (nothing is sent).
- `path`: what a simulation answers; `report` prints it as text or JSON.
- `expect_file` records a path in its scenario (`--update`); `checks` plays the scenarios kept
  beside a journey for `nurture validate`.
"""
