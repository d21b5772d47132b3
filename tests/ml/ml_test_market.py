"""Small hand-written market shared by the ml tests."""

from __future__ import annotations

import json
from pathlib import Path

PROFILES = [
    {
        "id": "sme-1",
        "kind": "sme",
        "name": "東北精密工業",
        "prefecture": "04",
        "description": "半導体製造装置向けのウェーハ搬送部品を精密切削で製造しています。",
        "sectors": ["semiconductor"],
        "capabilities": ["precision_machining"],
        "certifications": ["iso9001"],
        "capacity": 2,
    },
    {
        "id": "sme-2",
        "kind": "sme",
        "name": "みちのく鋳造",
        "prefecture": "03",
        "description": "自動車部品の鋳物とアルミダイカスト。",
        "capacity": 2,
    },
    {
        "id": "sme-3",
        "kind": "sme",
        "name": "仙台ウエハーテック",
        "prefecture": "04",
        "description": "ｳｴﾊｰの研削・ポリッシング。半導体工場向けに量産対応。",
        "capacity": 3,
    },
    {
        "id": "sme-4",
        "kind": "sme",
        "name": "満杯製作所",
        "prefecture": "04",
        "description": "半導体製造装置の部品を精密切削加工。ウェハ搬送アーム。",
        "sectors": ["semiconductor"],
        "capabilities": ["precision_machining"],
        "certifications": ["iso9001"],
        "capacity": 1,
        "active_engagements": 1,
    },
    {
        "id": "exp-1",
        "kind": "expert",
        "name": "山田太郎",
        "prefecture": "04",
        "description": "DX推進とITツール導入の支援を行っています。",
        "expert_type": "dx_coordinator",
        "skills": ["dx.it_tools"],
        "regions": ["04", "07"],
        "capacity": 3,
    },
    {
        "id": "exp-2",
        "kind": "expert",
        "name": "佐藤花子",
        "prefecture": "13",
        "description": "防衛分野への参入支援、防衛装備庁の入札参加の助言。",
        "capacity": 1,
    },
    {
        "id": "exp-3",
        "kind": "expert",
        "name": "鈴木一郎",
        "prefecture": "27",
        "description": "会計ソフトやクラウド勤怠管理の導入伴走。",
        "expert_type": "it_expert",
        "regions": ["27"],
        "capacity": 2,
    },
    {
        "id": "buy-1",
        "kind": "buyer",
        "name": "大手半導体装置",
        "prefecture": "13",
        "description": "半導体製造装置メーカー。国内サプライヤーを募集。",
        "sectors": ["semiconductor"],
        "capacity": 5,
    },
    {
        "id": "buy-2",
        "kind": "buyer",
        "name": "日本重工",
        "prefecture": "13",
        "description": "航空機と防衛装備品のプライム。",
        "sectors": ["aerospace", "defense"],
        "capacity": 5,
    },
]

QUERIES = [
    {
        "id": "opp-1",
        "kind": "opportunity",
        "owner": "buy-1",
        "target": "sme",
        "title": "ウエハー搬送部品の切削",
        "description": "半導体装置向けの精密部品を作れる会社",
        "required_certifications": ["iso9001"],
    },
    {
        "id": "need-1",
        "kind": "need",
        "owner": "sme-2",
        "target": "expert",
        "title": "ITツール導入",
        "description": "会計ソフトを入れたい",
        "prefecture": "04",
    },
    {
        "id": "need-2",
        "kind": "need",
        "owner": "sme-1",
        "target": "buyer",
        "title": "販路開拓",
        "description": "半導体の新しい顧客を探しています",
        "sectors": ["semiconductor"],
    },
    {
        "id": "opp-2",
        "kind": "opportunity",
        "owner": "sme-1",
        "target": "sme",
        "title": "ウェハ加工の外注先",
        "description": "ウエハの研削をお願いできる企業",
    },
]


def write_jsonl(path: Path, objs: list[dict], extra_lines: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for o in objs:
            fh.write(json.dumps(o, ensure_ascii=False) + "\n")
        for line in extra_lines or []:
            fh.write(line + "\n")
    return path
