"""`qunsheng create-admin` and `qunsheng demo` against the run's database."""

from __future__ import annotations

import io

import asyncpg
import pytest

from services.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, dsn: str, redis_url: str, pool: asyncpg.Pool) -> None:
    # `pool` empties the database first; the CLI opens its own connections.
    monkeypatch.setenv("DATABASE_URL", dsn)
    monkeypatch.setenv("REDIS_URL", redis_url)


def test_create_admin_makes_a_root_and_refuses_a_taken_login(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert (
        main(
            [
                "create-admin",
                "--login",
                "Boss",
                "--name",
                "局长",
                "--password-stdin",
                "--unit-name",
                "县农业局",
            ]
        )
        == 0
    )
    assert "admin Boss" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert main(["create-admin", "--login", "boss", "--name", "x", "--password-stdin"]) == 1
    assert "login is taken" in capsys.readouterr().err


def test_create_admin_refuses_a_short_password(cli_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["create-admin", "--login", "x", "--name", "x", "--password-stdin"]) == 2


def test_demo_command_twice_loads_once(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "青山县农业局" in first and "password:" in first
    assert main(["demo"]) == 0
    assert "already loaded" in capsys.readouterr().out
