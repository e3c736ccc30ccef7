"""`nurture policy show` and `nurture policy set FILE.yaml`: the sending policy, through the API.

The file is checked here first with the same model the API uses, so a mistake is reported with
its path in the file (`quiet_periods[0].end: ...`) before anything is sent anywhere. Like the
other commands, the heavy imports wait until a policy command runs, so `nurture validate` and
`--help` stay quick.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import httpx

    from definitions.policy import SendingPolicy

DEFAULT_API_URL = "http://localhost:8000"
POLICY_PATH = "/sending-policy"

ApiUrl = Annotated[str, typer.Option(help="Base URL of the API.")]


class PolicyFileInvalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class PolicyRequestFailed(Exception):
    """The API could not be reached or refused the policy; the message says which."""


def read_policy_file(path: Path) -> SendingPolicy:
    """The policy in a YAML (or JSON) file; every problem named with its path in the file."""
    import yaml
    from pydantic import ValidationError

    from definitions.errors import format_path
    from definitions.policy import SendingPolicy

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyFileInvalid([f"{path}: cannot read: {error.strerror or error}"]) from error
    except yaml.YAMLError as error:
        raise PolicyFileInvalid([f"{path}: not valid YAML: {error}"]) from error
    try:
        return SendingPolicy.model_validate({} if document is None else document)
    except ValidationError as error:
        raise PolicyFileInvalid(
            [
                f"{path}: {format_path(tuple(detail['loc'])) or '(document)'}: "
                f"{detail['msg'].removeprefix('Value error, ')}"
                for detail in error.errors(include_url=False)
            ]
        ) from error


async def fetch_policy(client: httpx.AsyncClient) -> SendingPolicy:
    from definitions.policy import SendingPolicy

    response = await _request(client, "GET", POLICY_PATH)
    return SendingPolicy.model_validate(response.json())


async def put_policy(client: httpx.AsyncClient, policy: SendingPolicy) -> SendingPolicy:
    from definitions.policy import SendingPolicy

    response = await _request(client, "PUT", POLICY_PATH, json=policy.model_dump(mode="json"))
    return SendingPolicy.model_validate(response.json())


def describe(policy: SendingPolicy) -> str:
    """What the policy does, in one line a person reads."""
    from definitions.durations import format_duration

    cap = policy.frequency_cap
    limit = (
        "no frequency cap"
        if cap is None
        else f"at most {cap.max_emails} e-mail(s) per {format_duration(cap.per)}, "
        f"{cap.when_capped} the rest"
    )
    quiet = [f"{period.name} {period.start}..{period.end}" for period in policy.quiet_periods]
    return f"{limit}; quiet periods: {', '.join(quiet) or 'none'}"


async def _request(
    client: httpx.AsyncClient, method: str, path: str, **options: Any
) -> httpx.Response:
    import httpx

    try:
        response = await client.request(method, path, **options)
    except httpx.HTTPError as error:
        raise PolicyRequestFailed(f"cannot reach the API at {client.base_url}: {error}") from error
    if response.status_code == 422:
        # FastAPI's locations start with "body"; the rest is the path inside the policy.
        problems = [
            f"{'.'.join(str(part) for part in item.get('loc', [])[1:])}: {item.get('msg')}"
            for item in response.json().get("detail", [])
        ]
        raise PolicyRequestFailed(f"the API refused the policy: {'; '.join(problems)}")
    if response.is_error:
        raise PolicyRequestFailed(f"the API answered {response.status_code}: {response.text}")
    return response


def _with_api(
    api_url: str, call: Callable[[httpx.AsyncClient], Awaitable[SendingPolicy]]
) -> SendingPolicy:
    import httpx

    from nurture.cli_keys import api_headers

    async def run() -> SendingPolicy:
        async with httpx.AsyncClient(base_url=api_url, timeout=30, headers=api_headers()) as client:
            return await call(client)

    try:
        return asyncio.run(run())
    except PolicyRequestFailed as error:
        typer.echo(f"nurture policy: {error}", err=True)
        raise typer.Exit(1) from error


def register(app: typer.Typer) -> None:
    """Add `nurture policy show|set` to `app`."""
    policy_app = typer.Typer(
        help="The sending policy: frequency cap and quiet periods, for every journey at once.",
        no_args_is_help=True,
    )

    @policy_app.command("show")
    def show(api_url: ApiUrl = DEFAULT_API_URL) -> None:
        """Print the policy in force as YAML (the form `nurture policy set` reads)."""
        import yaml

        policy = _with_api(api_url, fetch_policy)
        typer.echo(yaml.safe_dump(policy.model_dump(mode="json"), sort_keys=False), nl=False)

    @policy_app.command("set")
    def set_policy(
        file: Annotated[Path, typer.Argument(help="The policy as YAML (or JSON).")],
        api_url: ApiUrl = DEFAULT_API_URL,
    ) -> None:
        """Replace the policy with the one in FILE; it holds from the next send on."""
        try:
            policy = read_policy_file(file)
        except PolicyFileInvalid as invalid:
            for problem in invalid.problems:
                typer.echo(problem, err=True)
            raise typer.Exit(1) from invalid
        stored = _with_api(api_url, lambda client: put_policy(client, policy))
        typer.echo(f"sending policy set: {describe(stored)}")

    app.add_typer(policy_app, name="policy")
