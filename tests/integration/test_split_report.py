"""GET /reports/splits reads the projected states of one journey's prospects."""

from __future__ import annotations

from nurture.tables import Enrollment
from tests.integration.api_driver import Api


async def test_the_split_report_compares_the_variants_of_one_journey_in_json_and_csv(
    api: Api,
) -> None:
    seeded = [
        ("a", api.journey_id, "short", "offer", "completed"),
        ("b", api.journey_id, "long", "intro", "active"),
        ("c", "another-journey", "short", "intro", "active"),
    ]
    async with api.db.session() as session:
        for prospect_id, journey_id, variant, stage, status in seeded:
            state = {"stage": stage, "status": status, "variants": {"subject": variant}}
            session.add(
                Enrollment(
                    workflow_id=f"{journey_id}:{prospect_id}",
                    prospect_id=prospect_id,
                    journey_id=journey_id,
                    version=1,
                    stage=stage,
                    status=status,
                    state=state,
                )
            )
        await session.commit()

    report = await api.http.get("/reports/splits", params={"journey_id": api.journey_id})
    csv = await api.http.get(
        "/reports/splits", params={"journey_id": api.journey_id, "format": "csv"}
    )

    assert report.status_code == 200
    assert report.json() == {
        "journey_id": api.journey_id,
        "variants": [
            {
                "split_id": "subject",
                "variant": variant,
                "prospects": 1,
                "handed_off": 0,
                "completed": completed,
                "unsubscribed": 0,
                "stages": {stage: 1},
            }
            for variant, completed, stage in (("long", 0, "intro"), ("short", 1, "offer"))
        ],
    }
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1:] == ["subject,long,1,0,0,0,1,0", "subject,short,1,0,1,0,0,1"]
