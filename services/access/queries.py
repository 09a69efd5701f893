"""Questions about accounts, answered from the `account_directory` projection only."""

from __future__ import annotations

import asyncpg
import msgspec


class Grant(msgspec.Struct, frozen=True):
    unit_id: str
    role: str


class AccountView(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    login: str
    display_name: str
    unit_id: str
    disabled: bool
    roles: list[Grant]


_SQL = """
SELECT a.account_id, a.login, a.display_name, a.unit_id, a.disabled,
       coalesce(array_agg(r.unit_id || ' ' || r.role ORDER BY r.unit_id, r.role)
                FILTER (WHERE r.role IS NOT NULL), '{}') AS roles
  FROM account_directory a
  LEFT JOIN account_directory_roles r ON r.account_id = a.account_id
"""


def _view(r: asyncpg.Record) -> AccountView:
    grants = [Grant(*g.split(" ", 1)) for g in r["roles"]]
    return AccountView(
        account_id=r["account_id"],
        login=r["login"],
        display_name=r["display_name"],
        unit_id=r["unit_id"],
        disabled=r["disabled"],
        roles=grants,
    )


async def account_directory(pool: asyncpg.Pool, account_id: str) -> AccountView | None:
    r = await pool.fetchrow(_SQL + " WHERE a.account_id = $1 GROUP BY a.account_id", account_id)
    return None if r is None else _view(r)


async def accounts_under(pool: asyncpg.Pool, unit_ids: list[str]) -> list[AccountView]:
    """Accounts whose home unit lies in the subtree of any of `unit_ids`."""
    rows = await pool.fetch(
        _SQL
        + """ WHERE a.unit_id IN (SELECT unit_id FROM unit_tree WHERE path && $1::text[])
                   GROUP BY a.account_id ORDER BY a.login""",
        unit_ids,
    )
    return [_view(r) for r in rows]
