"""Synthetic matching market for the benchmarks.

Ground truth comes from latent attributes (sectors, capabilities, need
categories, regions); the text is written from those attributes with varied
hand-written paraphrases, so nothing in the text names the truth directly
(no shared topic ids). About half of the profiles and queries carry no codes
at all, spelling varies (ウェハ / ウエハー / ウェーハ, full / half width, mixed
English), and a few broad, nationwide experts and popular suppliers create
congestion against small capacities.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# code -> paraphrases used in descriptions (deliberately not only the
# vocabulary's labels: real registrations describe, they do not cite codes)
SECTOR_PHRASES: dict[str, list[str]] = {
    "semiconductor": [
        "半導体製造装置メーカー向け",
        "半導体工場のサプライチェーン",
        "パワー半導体の量産ライン",
        "チップ製造の前工程",
        "semiconductor fabs",
    ],
    "automotive": [
        "自動車部品メーカー向け",
        "完成車メーカーのティア2として",
        "車載部品",
        "クルマの駆動系部品",
        "automotive OEM",
    ],
    "aerospace": ["航空機の機体部品", "航空エンジン部品", "旅客機向けの構造部材", "aircraft parts"],
    "medical_devices": [
        "医療機器メーカー向け",
        "手術用器具や医療用デバイス",
        "診断装置の筐体",
        "medical device makers",
    ],
    "robotics": ["産業用ロボット向け", "協働ロボットの減速機周り", "ロボットアームの部品"],
    "ev_battery": ["EV用バッテリー", "リチウムイオン電池の製造工程", "蓄電池モジュール", "電動車の電池パック"],
    "defense": ["防衛装備品", "自衛隊向けの装備", "防衛関連の調達"],
    "food": ["食品工場", "食料品メーカー", "飲料の製造ライン"],
    "energy_gx": ["再エネ発電設備", "太陽光・風力発電", "脱炭素に取り組む電力会社"],
    "space": ["人工衛星の部品", "ロケット関連", "宇宙ビジネス"],
    "electronics": ["電子部品メーカー", "家電・電子機器", "エレクトロニクス製品"],
    "medical_devices2": [],
}
SECTOR_PHRASES.pop("medical_devices2")

CAP_PHRASES: dict[str, list[str]] = {
    "precision_machining": [
        "5軸マシニングセンタによる高精度な削り出し",
        "NC旋盤での精密切削",
        "ミクロン単位の機械加工",
        "CNC machining",
    ],
    "ultra_precision_grinding": ["鏡面仕上げの研磨", "平面研削と超精密ラッピング", "ナノレベルの研削仕上げ"],
    "casting": ["アルミダイカスト", "砂型鋳物の製造", "鋳鉄の鋳込み"],
    "press_stamping": ["順送金型によるプレス加工", "薄板の打ち抜き", "深絞りプレス"],
    "sheet_metal": ["精密板金と曲げ加工", "レーザー切断と板金", "筐体の板金製作"],
    "welding": ["TIG溶接", "レーザー溶接による接合", "ステンレスの溶接組立"],
    "plating_surface": ["無電解ニッケルめっき", "アルマイト処理", "表面処理（メッキ）"],
    "injection_molding": ["樹脂の射出成型", "エンプラ部品の成形", "プラスチック成形品"],
    "die_mold": ["金型の設計と製作", "プレス金型の内製", "精密金型づくり"],
    "composite_cfrp": ["炭素繊維複合材の成形", "CFRP部材", "複合材のオートクレーブ成形"],
    "pcb_assembly": ["プリント基板へのSMT実装", "電子基板の実装", "基板のはんだ付け"],
    "embedded_software": ["マイコンのファームウェア開発", "組み込みソフトの受託", "制御ソフト開発"],
    "cleanroom_assembly": ["クリーンルームでの組立", "クラス1000のクリーン環境で組み付け", "無塵室での組立"],
    "wafer_processing": ["ウェハの研削・洗浄", "ウエハー加工", "ウェーハの薄化加工", "シリコンウェハ加工"],
    "vacuum_equipment": ["真空チャンバーの製作", "真空部品の溶接", "高真空装置"],
    "inspection_measurement": ["三次元測定機での寸法検査", "精密測定サービス", "検査・計測"],
    "image_inspection_ai": ["AIによる外観検査システム", "カメラ画像で不良品を検出", "画像処理検査装置"],
    "fa_automation": ["省人化設備の設計製作", "生産ラインの自動化", "専用機の製作"],
    "heat_treatment": ["真空焼入れ", "浸炭焼入れなどの熱処理", "焼鈍・焼戻し"],
    "additive_manufacturing": ["金属3Dプリンタによる造形", "積層造形での試作", "3Dプリンターでの樹脂造形"],
}

# need category -> (problem phrasings used by SMEs, service phrasings used by experts)
NEED_PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "dx.it_tools": (
        [
            "会計ソフトや勤怠管理をクラウド化したい",
            "紙の伝票をやめてITツールを入れたい",
            "受発注をエクセルから脱却したい",
        ],
        ["ITツールの選定と導入支援", "クラウドサービスの導入伴走", "業務アプリの導入支援"],
    ),
    "dx.shopfloor_process": (
        ["生産管理システムを導入して工程を見える化したい", "製造現場の稼働状況をデータで把握したい"],
        ["工場の見える化と生産管理システム導入", "製造現場のデジタル化支援"],
    ),
    "dx.ai": (["AIで検査を自動化したい", "機械学習で需要予測をしたい"], ["AI・機械学習の活用支援", "AI導入のPoC支援"]),
    "dx.security": (
        ["サイバー攻撃対策を強化したい", "情報漏えいが心配でセキュリティを見直したい"],
        ["情報セキュリティ対策の指導", "サイバーセキュリティ診断"],
    ),
    "dx.ec": (
        ["ネットショップを立ち上げて直販したい", "海外向けにネット販売したい"],
        ["ECサイト構築と運営支援", "ネット通販の立ち上げ支援"],
    ),
    "labour.shortage": (
        ["人が足りず省力化投資を考えている", "人手不足で現場が回らない"],
        ["省人化・省力化の提案", "人手不足対策の設備導入支援"],
    ),
    "prod.process": (
        ["工程のムダを減らしたい", "現場のカイゼン活動を立て直したい", "段取り替え時間を短くしたい"],
        ["工程改善とカイゼン指導", "トヨタ生産方式による現場改善"],
    ),
    "sales.channel": (
        ["新しい取引先を開拓したい", "既存顧客依存から脱却して販路を広げたい"],
        ["販路開拓とマッチング支援", "営業戦略と新規顧客開拓の支援"],
    ),
    "sales.export": (
        ["海外に製品を輸出したい", "東南アジアへの展開を検討"],
        ["輸出・海外展開の実務支援", "海外市場調査と現地パートナー探し"],
    ),
    "finance.cashflow": (
        ["資金繰りが厳しく融資を相談したい", "運転資金の調達方法を知りたい"],
        ["資金調達と金融機関との交渉支援", "資金繰り改善の助言"],
    ),
    "succession.handover": (
        ["社長が高齢で後継者を決めたい", "息子への事業承継を準備したい"],
        ["事業承継計画の策定支援", "後継者育成と承継の伴走"],
    ),
    "succession.ma": (
        ["会社を第三者に譲渡したい", "同業の買収を検討している"],
        ["M&Aの仲介と企業価値評価", "事業譲渡の相談対応"],
    ),
    "subsidy.application": (
        ["ものづくり補助金に申請したい", "補助金の事業計画書を書きたい"],
        ["補助金の申請書作成支援", "各種補助金の活用助言"],
    ),
    "hr.recruiting": (
        ["若手社員が採用できない", "求人を出しても応募がない"],
        ["採用戦略と求人票の改善", "採用活動の支援"],
    ),
    "hr.reskilling": (
        ["社員のデジタルスキルを高めたい", "従業員の学び直しを進めたい"],
        ["社員研修とリスキリング支援", "人材育成プログラムの設計"],
    ),
    "gx.carbon_neutral": (
        ["CO2排出量を算定して削減したい", "取引先から脱炭素を求められている"],
        ["カーボンニュートラル対応の支援", "温室効果ガスの算定と削減計画"],
    ),
    "rnd.collab": (
        ["大学と共同で研究開発したい", "公設試と新技術を開発したい"],
        ["産学連携のコーディネート", "大学・研究機関との共同研究の橋渡し"],
    ),
    "rnd.ip": (
        ["特許を取得して技術を守りたい", "知財戦略を立てたい"],
        ["特許出願と知財戦略の助言", "知的財産の活用支援"],
    ),
    "price.pass_through": (
        ["原材料高騰分を価格に転嫁したい", "取引先に値上げを認めてもらえない"],
        ["価格転嫁と価格交渉の支援", "原価計算に基づく価格改定の助言"],
    ),
    "growth.semiconductor_entry": (
        ["半導体分野に新規参入したい", "半導体装置メーカーとの取引を始めたい"],
        ["半導体業界への参入支援", "半導体サプライチェーンへの橋渡し"],
    ),
    "growth.defense_entry": (
        ["防衛分野の仕事を受注したい", "防衛装備品のサプライヤーになりたい"],
        ["防衛産業への参入支援", "防衛装備庁の入札参加の助言"],
    ),
    "growth.aerospace_entry": (
        ["航空機部品の受注を目指したい", "航空宇宙分野に参入したい"],
        ["航空宇宙分野への参入支援", "JISQ9100取得と航空機産業参入の指導"],
    ),
    "growth.medical_entry": (
        ["医療機器の部品製造に参入したい", "医療分野で自社技術を活かしたい"],
        ["医療機器分野への参入支援", "医工連携のコーディネート"],
    ),
    "dx.strategy": (
        ["DXをどう進めるか全体戦略を作りたい", "社内にデジタル推進体制を作りたい"],
        ["DX戦略の策定と推進体制づくり", "デジタル化計画の立案支援"],
    ),
}
DOMAIN_OF = {c: c.split(".")[0] for c in NEED_PHRASES}
NEED_EXPERT_TYPES = {
    "dx": ["dx_coordinator", "it_expert"],
    "labour": ["sme_consultant", "yorozu_adviser"],
    "prod": ["sme_consultant", "tech_adviser"],
    "sales": ["yorozu_adviser", "export_adviser"],
    "finance": ["financial_adviser", "sme_consultant"],
    "succession": ["ma_adviser", "sme_consultant"],
    "subsidy": ["sme_consultant", "yorozu_adviser"],
    "hr": ["sme_consultant", "yorozu_adviser"],
    "gx": ["sme_consultant", "tech_adviser"],
    "rnd": ["tech_adviser", "innovation_producer"],
    "price": ["yorozu_adviser", "sme_consultant"],
    "growth": ["innovation_producer", "procurement_adviser"],
}
CERTS = ["iso9001", "iso14001", "jisq9100", "iatf16949", "iso13485"]
CERT_TEXT = {
    "iso9001": ["ISO9001認証取得", "ＩＳＯ９００１取得済み"],
    "iso14001": ["ISO14001取得"],
    "jisq9100": ["JIS Q 9100認証", "AS9100取得"],
    "iatf16949": ["IATF16949認証"],
    "iso13485": ["ISO13485取得"],
}
SECTOR_CERT = {"aerospace": "jisq9100", "automotive": "iatf16949", "medical_devices": "iso13485", "space": "jisq9100"}

PREFS = [f"{i:02d}" for i in range(1, 48)]
PREF_JA = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
]


def _region_of() -> list[str]:
    from ml.vocab import load_vocabulary

    return [p["region"] for p in load_vocabulary()["prefectures"]]


REGION_OF = _region_of()

SME_OPEN = [
    "弊社は{pref}の町工場です。",
    "{pref}に本社を置く製造業です。",
    "創業50年、{pref}で",
    "当社（{pref}）は",
    "",
]
SME_BODY = [
    "{sector}の{cap}を手がけています。",
    "{cap}が強みで、{sector}の案件を多数受注。",
    "主に{sector}に{cap}を提供。",
    "{cap}を得意とし、{sector}にも対応しています。",
]
SME_TAIL = [
    "短納期・小ロットにも対応。",
    "試作から量産まで一貫対応します。",
    "品質第一。",
    "",
    "若手技術者が多く活気ある職場です。",
]
EXPERT_BODY = [
    "{etype}として{skills}を行っています。",
    "専門は{skills}。{area}で活動。",
    "{area}を中心に{skills}に取り組んできました。",
    "元メーカー技術者。{skills}が得意です。",
]
BUYER_BODY = [
    "{sector}の大手として、国内サプライヤーを募集しています。",
    "{sector}事業を拡大中で、協力工場を探しています。",
    "当社は{sector}を主力とするメーカーです。",
]
OPP_BODY = [
    "{sector}向けに{caps}のできる協力会社を探しています。",
    "{caps}を依頼できる企業を募集。用途は{sector}。",
    "新規案件：{sector}、{caps}の外注先求む。",
]
NEED_BODY = [
    "{problem}。",
    "{problem}と考えています。専門家の助言がほしい。",
    "現状、{problem}。どなたか相談に乗ってください。",
]
BUYER_NEED_BODY = [
    "{sector}の新しい顧客を見つけたい。",
    "自社技術を{sector}に売り込みたい。",
    "{sector}の企業と取引を始めたい。",
]
EXPERT_TYPE_JA = {
    "dx_coordinator": "DXコーディネーター",
    "it_expert": "IT専門家",
    "sme_consultant": "中小企業診断士",
    "yorozu_adviser": "よろず支援拠点のコーディネーター",
    "export_adviser": "海外展開アドバイザー",
    "financial_adviser": "財務アドバイザー",
    "ma_adviser": "M&Aアドバイザー",
    "tech_adviser": "公設試の技術アドバイザー",
    "innovation_producer": "イノベーション・プロデューサー",
    "procurement_adviser": "調達アドバイザー",
}


def _variants(rng: random.Random, text: str) -> str:
    """Spelling noise: full-width Latin/digits, katakana variants, stray spaces."""
    for a, opts in (
        ("ウエハー", ["ウェハ", "ウェーハ", "ウエハー"]),
        ("ウェハ", ["ウエハー", "ウェーハ", "ウェハ"]),
        ("コンピューター", ["コンピュータ"]),
        ("センター", ["センタ"]),
    ):
        if a in text and rng.random() < 0.5:
            text = text.replace(a, rng.choice(opts))
    if rng.random() < 0.25:
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and c.isalnum() else c for c in text)
    if rng.random() < 0.1:
        # half-width katakana via NFKC-inverse is not in the stdlib; spacing noise instead
        text = text.replace("、", "、 ")
    return text


@dataclass
class Market:
    profiles: list[dict]
    queries: list[dict]
    # query id -> {profile id: grade 0..3}
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)


def generate(
    n_sme: int = 2500,
    n_expert: int = 600,
    n_buyer: int = 300,
    n_queries: int = 800,
    seed: int = 7,
    code_rate: float = 0.5,
) -> Market:
    rng = random.Random(seed)
    sectors = list(SECTOR_PHRASES)
    caps = list(CAP_PHRASES)
    needs = list(NEED_PHRASES)
    # popularity skew: some sectors/capabilities are far more common (congestion)
    sec_w = [1.0 / (i + 1) ** 0.7 for i in range(len(sectors))]
    cap_w = [1.0 / (i + 1) ** 0.6 for i in range(len(caps))]
    need_w = [1.0 / (i + 1) ** 0.5 for i in range(len(needs))]
    profiles: list[dict] = []
    latent: dict[str, dict] = {}

    def pick_pref() -> int:
        # industrial prefectures are more common
        return rng.choices(range(47), weights=[3 if i in (3, 12, 13, 22, 26, 39) else 1 for i in range(47)])[0]

    for i in range(n_sme):
        pid = f"sme-{i:05d}"
        ss = list(dict.fromkeys(rng.choices(sectors, sec_w, k=rng.choice([1, 1, 2]))))
        cs = list(dict.fromkeys(rng.choices(caps, cap_w, k=rng.choice([1, 2, 2, 3]))))
        pf = pick_pref()
        certs = ["iso9001"] if rng.random() < 0.5 else []
        for s in ss:
            if s in SECTOR_CERT and rng.random() < 0.6:
                certs.append(SECTOR_CERT[s])
        cap = rng.choice([1, 2, 3, 3, 5])
        active = cap if rng.random() < 0.2 else rng.randint(0, cap - 1)
        text = rng.choice(SME_OPEN).format(pref=PREF_JA[pf]) + rng.choice(SME_BODY).format(
            sector="・".join(rng.choice(SECTOR_PHRASES[s]) for s in ss),
            cap="、".join(rng.choice(CAP_PHRASES[c]) for c in cs),
        )
        text += rng.choice(SME_TAIL)
        if certs and rng.random() < 0.6:
            text += rng.choice(CERT_TEXT[certs[0]]) + "。"
        p = {
            "id": pid,
            "kind": "sme",
            "name": rng.choice(["東北", "みちのく", "共栄", "大和", "三和", "昭和", "平成", "富士"])
            + rng.choice(["精工", "工業", "製作所", "技研", "金属"])
            + str(i),
            "prefecture": PREFS[pf],
            "description": _variants(rng, text),
            "certifications": certs,
            "capacity": cap,
            "active_engagements": active,
            "industry": "manufacturing",
            "employees": rng.randint(3, 300),
        }
        if rng.random() < code_rate:
            p["sectors"], p["capabilities"] = ss, cs
        profiles.append(p)
        latent[pid] = {"sectors": set(ss), "caps": set(cs), "pref": pf, "certs": set(certs)}

    for i in range(n_expert):
        pid = f"expert-{i:04d}"
        broad = rng.random() < 0.05  # a few famous generalists everyone wants
        k = rng.randint(4, 7) if broad else rng.choice([1, 2, 2, 3])
        dom = rng.choice(list(NEED_EXPERT_TYPES))
        same = [n for n in needs if DOMAIN_OF[n] == dom]
        sk = list(dict.fromkeys([rng.choice(same), *rng.choices(needs, need_w, k=k - 1)]))
        et = rng.choice(NEED_EXPERT_TYPES[DOMAIN_OF[sk[0]]])
        pf = pick_pref()
        nationwide = broad or rng.random() < 0.15
        regions = (
            []
            if nationwide
            else sorted(
                {PREFS[pf]} | {PREFS[j] for j in range(47) if REGION_OF[j] == REGION_OF[pf] and rng.random() < 0.5}
            )
        )
        cap = rng.choice([1, 1, 2, 3]) if broad else rng.choice([1, 2, 3, 4])
        active = cap if rng.random() < 0.2 else rng.randint(0, cap - 1)
        area = "全国" if nationwide else "・".join(PREF_JA[PREFS.index(r)] for r in regions[:3])
        text = rng.choice(EXPERT_BODY).format(
            etype=EXPERT_TYPE_JA[et], skills="、".join(rng.choice(NEED_PHRASES[s][1]) for s in sk), area=area
        )
        p = {
            "id": pid,
            "kind": "expert",
            "name": f"専門家{i}",
            "prefecture": PREFS[pf],
            "description": _variants(rng, text),
            "expert_type": et,
            "regions": regions,
            "capacity": cap,
            "active_engagements": active,
        }
        if rng.random() < code_rate:
            p["skills"] = sk
        else:
            p.pop("regions") if rng.random() < 0.0 else None
        profiles.append(p)
        latent[pid] = {
            "skills": set(sk),
            "regions": {PREFS.index(r) for r in regions} if regions else set(range(47)),
            "pref": pf,
        }

    for i in range(n_buyer):
        pid = f"buyer-{i:04d}"
        ss = list(dict.fromkeys(rng.choices(sectors, sec_w, k=rng.choice([1, 2]))))
        pf = pick_pref()
        cap = rng.choice([2, 3, 5, 8])
        active = cap if rng.random() < 0.15 else rng.randint(0, cap - 1)
        text = rng.choice(BUYER_BODY).format(sector="・".join(rng.choice(SECTOR_PHRASES[s]) for s in ss))
        p = {
            "id": pid,
            "kind": "buyer",
            "name": rng.choice(["日本", "東洋", "中央", "大日本"])
            + rng.choice(["電機", "重工", "自動車", "製薬", "化学"])
            + str(i),
            "prefecture": PREFS[pf],
            "description": _variants(rng, text),
            "capacity": cap,
            "active_engagements": active,
        }
        if rng.random() < code_rate:
            p["sectors"] = ss
        profiles.append(p)
        latent[pid] = {"sectors": set(ss), "pref": pf}

    smes = [p for p in profiles if p["kind"] == "sme"]
    experts = [p for p in profiles if p["kind"] == "expert"]
    buyers = [p for p in profiles if p["kind"] == "buyer"]
    queries: list[dict] = []
    qrels: dict[str, dict[str, int]] = {}
    for i in range(n_queries):
        r = rng.random()
        coded = rng.random() < code_rate
        if r < 0.5:
            owner = rng.choice(smes)
            cat = rng.choices(needs, need_w)[0]
            pf = latent[owner["id"]]["pref"]
            problem = rng.choice(NEED_PHRASES[cat][0])
            q = {
                "id": f"need-{i:05d}",
                "kind": "need",
                "owner": owner["id"],
                "target": "expert",
                "title": problem[:18],
                "description": _variants(rng, rng.choice(NEED_BODY).format(problem=problem)),
            }
            if coded:
                q["category"] = cat
            if rng.random() < 0.7:
                q["prefecture"] = PREFS[pf]
            rel = {}
            for e in experts:
                le = latent[e["id"]]
                covers = pf in le["regions"]
                if cat in le["skills"]:
                    g = 3 if covers else 1
                elif any(DOMAIN_OF[s] == DOMAIN_OF[cat] for s in le["skills"]):
                    g = 1 if covers else 0
                else:
                    g = 0
                if g:
                    rel[e["id"]] = g
        elif r < 0.85:
            owner = rng.choice(buyers)
            sec = rng.choice(sorted(latent[owner["id"]]["sectors"]))
            cs = list(dict.fromkeys(rng.choices(caps, cap_w, k=rng.choice([1, 1, 2]))))
            req = [SECTOR_CERT[sec]] if sec in SECTOR_CERT and rng.random() < 0.4 else []
            body = rng.choice(OPP_BODY).format(
                sector=rng.choice(SECTOR_PHRASES[sec]), caps="と".join(rng.choice(CAP_PHRASES[c]) for c in cs)
            )
            q = {
                "id": f"opp-{i:05d}",
                "kind": "opportunity",
                "owner": owner["id"],
                "target": "sme",
                "title": rng.choice(["協力会社募集", "サプライヤー募集", "外注先を探しています", "新規取引先募集"]),
                "description": _variants(rng, body),
                "required_certifications": req,
            }
            if coded:
                q["sectors"], q["required_capabilities"] = [sec], cs
            rel = {}
            for s in smes:
                ls = latent[s["id"]]
                if req and not set(req) <= set(s["certifications"]):
                    continue
                capm = len(set(cs) & ls["caps"]) / len(cs)
                secm = sec in ls["sectors"]
                g = 3 if capm == 1 and secm else 2 if capm == 1 else 1 if (capm > 0 or secm) and (capm > 0) else 0
                if g:
                    rel[s["id"]] = g
        else:
            owner = rng.choice(smes)
            sec = rng.choices(sectors, sec_w)[0]
            q = {
                "id": f"need-{i:05d}",
                "kind": "need",
                "owner": owner["id"],
                "target": "buyer",
                "title": "販路開拓",
                "description": _variants(
                    rng, rng.choice(BUYER_NEED_BODY).format(sector=rng.choice(SECTOR_PHRASES[sec]))
                ),
            }
            if coded:
                q["category"], q["sectors"] = "sales.channel", [sec]
            rel = {b["id"]: 2 for b in buyers if sec in latent[b["id"]]["sectors"]}
        queries.append(q)
        qrels[q["id"]] = rel
    return Market(profiles, queries, qrels)


def sme_stream(n: int, seed: int = 11):
    """SME profiles one by one (for the scale benchmark; no ground truth kept)."""
    rng = random.Random(seed)
    sectors, caps = list(SECTOR_PHRASES), list(CAP_PHRASES)
    for i in range(n):
        ss = list(dict.fromkeys(rng.choices(sectors, k=rng.choice([1, 2]))))
        cs = list(dict.fromkeys(rng.choices(caps, k=rng.choice([1, 2, 3]))))
        pf = rng.randrange(47)
        text = (
            rng.choice(SME_OPEN).format(pref=PREF_JA[pf])
            + rng.choice(SME_BODY).format(
                sector="・".join(rng.choice(SECTOR_PHRASES[s]) for s in ss),
                cap="、".join(rng.choice(CAP_PHRASES[c]) for c in cs),
            )
            + rng.choice(SME_TAIL)
        )
        cap = rng.choice([1, 2, 3, 5])
        p = {
            "id": f"sme-{i:07d}",
            "kind": "sme",
            "name": f"製作所{i}",
            "prefecture": PREFS[pf],
            "description": _variants(rng, text),
            "capacity": cap,
            "active_engagements": rng.randint(0, cap),
            "certifications": ["iso9001"] if rng.random() < 0.4 else [],
        }
        if rng.random() < 0.5:
            p["sectors"], p["capabilities"] = ss, cs
        yield p


def opportunity_stream(n: int, owner: str, seed: int = 12):
    rng = random.Random(seed)
    sectors, caps = list(SECTOR_PHRASES), list(CAP_PHRASES)
    for i in range(n):
        sec = rng.choice(sectors)
        cs = list(dict.fromkeys(rng.choices(caps, k=rng.choice([1, 2]))))
        q = {
            "id": f"opp-{i:05d}",
            "kind": "opportunity",
            "owner": owner,
            "target": "sme",
            "title": "協力会社募集",
            "description": _variants(
                rng,
                rng.choice(OPP_BODY).format(
                    sector=rng.choice(SECTOR_PHRASES[sec]), caps="と".join(rng.choice(CAP_PHRASES[c]) for c in cs)
                ),
            ),
        }
        if rng.random() < 0.5:
            q["sectors"], q["required_capabilities"] = [sec], cs
        if rng.random() < 0.2:
            q["required_certifications"] = ["iso9001"]
        yield q
