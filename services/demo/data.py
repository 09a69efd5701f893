"""The demo's county agricultural bureau (青山县农业局): its units, headcounts and accounts.

Keys are stable names; every id and command id derives from them, which is what makes
loading the demo twice harmless (the second run replays, it does not duplicate).
"""

from __future__ import annotations

from events.accounts import Role
from events.units import UnitKind

# key, parent key, name, kind, headcount
UNITS: list[tuple[str, str | None, str, UnitKind, int]] = [
    ("bureau", None, "青山县农业局", "bureau", 38),
    ("office", "bureau", "局办公室", "department", 9),
    ("planning", "bureau", "规划财务股", "department", 7),
    ("bureau-union", "bureau", "局机关工会", "union", 52),
    ("bureau-league", "bureau", "局机关团支部", "league", 14),
    ("bureau-women", "bureau", "局机关妇委会", "women", 23),
    ("extension", "bureau", "农业技术推广站", "other", 26),
    ("extension-field", "extension", "推广站 田间试验组", "department", 11),
    ("animal", "bureau", "动物疫病预防控制中心", "other", 21),
    ("machinery", "bureau", "农机安全监理站", "other", 13),
    ("school", "bureau", "青山县农业职业技术学校", "school", 24),
    ("school-academic", "school", "教务处", "department", 12),
    ("school-students", "school", "学生处", "department", 8),
    ("school-crops", "school", "种植专业教研组", "department", 19),
    ("school-livestock", "school", "畜牧兽医教研组", "department", 17),
    ("school-union", "school", "学校工会", "union", 78),
    ("school-league", "school", "学校团委", "league", 31),
    ("school-women", "school", "学校妇委会", "women", 42),
]

# login, display name, home unit key, [(role, unit key)]
ACCOUNTS: list[tuple[str, str, str, list[tuple[Role, str]]]] = [
    ("admin", "系统管理员 张敏", "bureau", [("admin", "bureau")]),
    ("school.admin", "学校管理员 陈静", "school", [("admin", "school")]),
    ("leader", "领导小组组长 王建国", "bureau", [("leader", "bureau")]),
    ("school.leader", "学校领导小组 刘芳", "school", [("leader", "school")]),
    ("union", "局工会干事 李梅", "bureau-union", [("handler", "bureau-union")]),
    ("school.union", "学校工会主席 赵强", "school-union", [("handler", "school-union")]),
    ("school.league", "学校团委书记 孙磊", "school-league", [("handler", "school-league")]),
    ("school.women", "学校妇委会主任 周丽", "school-women", [("handler", "school-women")]),
    ("extension", "推广站办公室 吴涛", "extension", [("handler", "extension")]),
]
