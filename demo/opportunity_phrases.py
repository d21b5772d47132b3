"""Buyer-side content: supplier opportunities and buyer profile sentences."""

from __future__ import annotations

from typing import Any

# What buyers procure.  ``caps`` are the required capabilities, ``certs`` the
# certifications that may be made mandatory (only ones some SME holds are used).
OPP_ITEMS: list[dict[str, Any]] = [
    # --- semiconductor
    {
        "sectors": ["semiconductor"],
        "item": "真空チャンバー部品",
        "process": "精密切削加工",
        "caps": ["precision_machining", "semiconductor_equipment_parts"],
        "certs": ["iso9001", "iso14001"],
        "materials": ["A5052", "SUS316L", "A6061"],
    },
    {
        "sectors": ["semiconductor"],
        "item": "ガス供給ユニット",
        "process": "溶接・組立",
        "caps": ["welding", "cleanroom_assembly", "vacuum_equipment"],
        "certs": ["iso9001"],
        "materials": ["SUS316L EP管", "SUS316L"],
    },
    {
        "sectors": ["semiconductor"],
        "item": "{wafer}搬送用ハンド",
        "process": "精密加工",
        "caps": ["precision_machining", "fine_ceramics"],
        "certs": ["iso9001"],
        "materials": ["アルミナ", "CFRP", "A7075"],
    },
    {
        "sectors": ["semiconductor", "electronics"],
        "item": "静電チャック用セラミックス部材",
        "process": "研削・研磨",
        "caps": ["fine_ceramics", "ultra_precision_grinding"],
        "certs": ["iso9001"],
        "materials": ["アルミナ", "窒化アルミ"],
    },
    {
        "sectors": ["semiconductor", "precision_machinery"],
        "item": "装置フレーム・外装カバー",
        "process": "精密板金・塗装",
        "caps": ["sheet_metal", "coating"],
        "certs": ["iso9001", "iso14001"],
        "materials": ["SPCC", "SUS304"],
    },
    {
        "sectors": ["semiconductor"],
        "item": "装置部品の精密洗浄・表面処理",
        "process": "表面処理",
        "caps": ["plating_surface", "cleanroom_assembly"],
        "certs": ["iso9001", "iso14001"],
        "materials": ["アルミ母材", "ステンレス母材"],
    },
    {
        "sectors": ["semiconductor", "ev_battery"],
        "item": "SiC{wafer}",
        "process": "研削・研磨",
        "caps": ["wafer_processing", "compound_semiconductor", "ultra_precision_grinding"],
        "certs": ["iso9001"],
        "materials": ["6インチSiC", "8インチSiC"],
    },
    {
        "sectors": ["semiconductor", "electronics"],
        "item": "検査装置用の光学ユニット",
        "process": "光学部品加工・組立",
        "caps": ["optics", "inspection_measurement"],
        "certs": ["iso9001"],
        "materials": ["合成石英", "BK7"],
    },
    {
        "sectors": ["semiconductor", "electronics"],
        "item": "装置制御基板",
        "process": "基板実装",
        "caps": ["pcb_assembly", "electronics_design"],
        "certs": ["iso9001", "iso14001"],
        "materials": ["FR-4多層基板"],
    },
    {
        "sectors": ["semiconductor"],
        "item": "ウエハー外観検査のAIモデル",
        "process": "ソフトウェア開発",
        "caps": ["image_inspection_ai", "software_development"],
        "certs": ["iso27001", "security_action"],
        "materials": ["検査画像データ"],
    },
    {
        "sectors": ["semiconductor", "chemicals"],
        "item": "高純度薬液の原料",
        "process": "受託合成",
        "caps": ["chemical_synthesis"],
        "certs": ["iso9001", "iso14001"],
        "materials": ["有機溶剤系", "フッ素系"],
    },
    {
        "sectors": ["semiconductor", "precision_machinery"],
        "item": "装置ユニット",
        "process": "組立・立上げ",
        "caps": ["cleanroom_assembly", "vacuum_equipment"],
        "certs": ["iso9001"],
        "materials": ["支給部品一式"],
    },
    # --- aerospace / defence / space
    {
        "sectors": ["aerospace"],
        "item": "航空機エンジン部品",
        "process": "難削材の切削加工",
        "caps": ["precision_machining", "heat_treatment", "nondestructive_testing"],
        "certs": ["jisq9100", "nadcap", "iso9001"],
        "materials": ["インコネル718", "Ti-6Al-4V"],
    },
    {
        "sectors": ["aerospace", "defense"],
        "item": "機体構造部品",
        "process": "削り出し加工",
        "caps": ["precision_machining", "inspection_measurement"],
        "certs": ["jisq9100", "iso9001"],
        "materials": ["A7075", "A2024"],
    },
    {
        "sectors": ["aerospace", "space", "drones"],
        "item": "複合材パネル",
        "process": "CFRP成形",
        "caps": ["composite_cfrp"],
        "certs": ["jisq9100", "iso9001"],
        "materials": ["炭素繊維プリプレグ"],
    },
    {
        "sectors": ["defense", "electronics"],
        "item": "電子ユニット",
        "process": "基板実装・配線",
        "caps": ["pcb_assembly", "wire_harness", "electronics_design"],
        "certs": ["mod_qualified", "iso9001"],
        "materials": ["支給部品"],
    },
    {
        "sectors": ["defense", "space"],
        "item": "レーダー用高周波部品",
        "process": "設計・試作",
        "caps": ["rf_microwave", "electronics_design"],
        "certs": ["mod_qualified", "iso9001"],
        "materials": ["アルミ導波管", "PTFE基板"],
    },
    {
        "sectors": ["defense", "drones"],
        "item": "カウンタードローン用アンテナ",
        "process": "試作開発",
        "caps": ["rf_microwave", "embedded_software"],
        "certs": ["mod_qualified"],
        "materials": ["—"],
    },
    {
        "sectors": ["defense"],
        "item": "訓練用標的",
        "process": "設計・製作",
        "caps": ["logistics_packaging", "design_prototyping"],
        "certs": ["mod_qualified"],
        "materials": ["強化段ボール", "発泡材"],
    },
    {
        "sectors": ["space", "aerospace"],
        "item": "小型衛星の構造部品",
        "process": "試作加工",
        "caps": ["precision_machining", "additive_manufacturing"],
        "certs": ["jisq9100", "iso9001"],
        "materials": ["A6061", "チタン合金"],
    },
    {
        "sectors": ["aerospace", "defense"],
        "item": "部品の非破壊検査",
        "process": "検査業務",
        "caps": ["nondestructive_testing", "inspection_measurement"],
        "certs": ["nadcap", "jisq9100", "iso9001"],
        "materials": ["鍛造品", "溶接部"],
    },
    {
        "sectors": ["aerospace"],
        "item": "降着装置部品",
        "process": "熱処理・表面処理",
        "caps": ["heat_treatment", "plating_surface"],
        "certs": ["nadcap", "jisq9100", "iso9001"],
        "materials": ["高張力鋼"],
    },
    {
        "sectors": ["defense", "shipbuilding"],
        "item": "艦艇用機器の架台",
        "process": "製缶・溶接",
        "caps": ["welding", "sheet_metal"],
        "certs": ["mod_qualified", "iso9001"],
        "materials": ["SS400", "SUS316"],
    },
    {
        "sectors": ["defense"],
        "item": "防護衣・装具",
        "process": "縫製",
        "caps": ["textile_processing"],
        "certs": ["mod_qualified", "iso9001"],
        "materials": ["難燃生地", "アラミド繊維"],
    },
    # --- automotive / EV
    {
        "sectors": ["automotive"],
        "item": "車体骨格部品",
        "process": "プレス・溶接",
        "caps": ["press_stamping", "die_mold", "welding"],
        "certs": ["iatf16949", "iso14001"],
        "materials": ["980MPa級ハイテン", "SPHC"],
    },
    {
        "sectors": ["automotive", "ev_battery"],
        "item": "駆動モーター用コア",
        "process": "順送プレス",
        "caps": ["press_stamping", "die_mold"],
        "certs": ["iatf16949", "iso14001", "iso9001"],
        "materials": ["電磁鋼板"],
    },
    {
        "sectors": ["ev_battery", "automotive"],
        "item": "電池パック用バスバー",
        "process": "プレス・めっき",
        "caps": ["press_stamping", "plating_surface"],
        "certs": ["iatf16949", "iso9001"],
        "materials": ["無酸素銅", "アルミ"],
    },
    {
        "sectors": ["ev_battery", "automotive"],
        "item": "電池冷却プレート",
        "process": "接合・気密試験",
        "caps": ["thermal_management", "welding"],
        "certs": ["iatf16949", "iso9001"],
        "materials": ["A3003", "A6063"],
    },
    {
        "sectors": ["automotive", "railway"],
        "item": "ワイヤーハーネス",
        "process": "ハーネス加工",
        "caps": ["wire_harness"],
        "certs": ["iatf16949", "iso9001"],
        "materials": ["AVSS電線"],
    },
    {
        "sectors": ["automotive", "electronics"],
        "item": "車載ECU基板",
        "process": "基板実装",
        "caps": ["pcb_assembly"],
        "certs": ["iatf16949", "iso9001", "iso14001"],
        "materials": ["車載グレード部品"],
    },
    {
        "sectors": ["automotive", "electronics"],
        "item": "コネクタハウジング",
        "process": "射出成形",
        "caps": ["injection_molding", "die_mold"],
        "certs": ["iatf16949", "iso9001"],
        "materials": ["PBT-GF30", "PA66"],
    },
    {
        "sectors": ["automotive", "software_it"],
        "item": "ECUファームウェア",
        "process": "ソフトウェア開発",
        "caps": ["embedded_software"],
        "certs": ["iso9001", "iso27001"],
        "materials": ["AUTOSAR環境"],
    },
    {
        "sectors": ["automotive"],
        "item": "ギヤ素材",
        "process": "熱間鍛造・熱処理",
        "caps": ["forging", "heat_treatment"],
        "certs": ["iatf16949", "iso9001"],
        "materials": ["SCM420", "SCr420"],
    },
    {
        "sectors": ["automotive", "ev_battery"],
        "item": "インバーターケース",
        "process": "ダイカスト・加工",
        "caps": ["casting", "precision_machining"],
        "certs": ["iatf16949", "iso14001", "iso9001"],
        "materials": ["ADC12"],
    },
    {
        "sectors": ["automotive", "ev_battery", "robotics"],
        "item": "組立ラインの省力化設備",
        "process": "設計・製作",
        "caps": ["fa_automation", "robot_integration"],
        "certs": ["iso9001"],
        "materials": ["—"],
    },
    {
        "sectors": ["ev_battery", "chemicals"],
        "item": "電池材料の評価サンプル",
        "process": "材料開発",
        "caps": ["battery_materials"],
        "certs": ["iso9001", "iso14001"],
        "materials": ["正極材", "導電助剤"],
    },
    {
        "sectors": ["hydrogen", "automotive"],
        "item": "水素配管の継手部品",
        "process": "切削・溶接",
        "caps": ["precision_machining", "welding"],
        "certs": ["iso9001"],
        "materials": ["SUS316L"],
    },
    {
        "sectors": ["automotive", "energy_gx"],
        "item": "防錆めっき部品",
        "process": "表面処理",
        "caps": ["plating_surface"],
        "certs": ["iatf16949", "iso14001"],
        "materials": ["亜鉛ニッケル"],
    },
]

OPP_TITLES: list[str] = [
    "【{sector_ja}】{item}の{process}先を募集",
    "{item}（{material}）の新規サプライヤー募集",
    "{site}向け {item}の協力企業を探しています",
    "{item}の試作・量産パートナー募集",
    "【{fy}年度量産】{item}の調達先開拓",
    "{process}：{item}の外注先募集（{area}）",
    "{item}の{process}をお願いできる企業様を探しています",
    "【新規取引】{item}／{process}",
    "{area}で{item}の{process}ができる中小企業を募集",
]

OPP_INTROS: list[str] = [
    "当社{site}では{fy}年度の増産に向けて、{item}の新規サプライヤーを募集します。",
    "現在の調達先の生産縮小に伴い、{item}の代替調達先を探しています。",
    "{site}の新ライン立上げ（{year}年{month}月予定）に合わせ、{item}の協力企業を開拓しています。",
    "国内調達比率を高める方針のもと、{item}を任せられる地域の協力企業を探しています。",
    "海外調達していた{item}を国内生産に切り替えるため、新たな取引先を募集します。",
    "{item}の需要が{pct}割ほど伸びる見込みで、既存の取引先だけでは能力が足りません。",
    "開発中の新製品に使う{item}について、試作段階から一緒に取り組める企業を求めています。",
]

OPP_SPECS: list[str] = [
    "対象は{item}で、材質は{material}、数量は{qty}を想定しています。",
    "主な仕様：材質{material}、{tol}、{qty}。",
    "{process}の工程を担っていただける企業を探しています。材質は{material}です。",
    "図面は支給します。材料（{material}）は支給・手配のいずれも可能です。{qty}程度の見込みです。",
    "数量は{qty}、{tol}を求めます。",
]

OPP_REQS_CERT: list[str] = [
    "{cert_text}の認証取得が必須条件です。",
    "応募には{cert_text}の取得が必要です。",
    "必須要件：{cert_text}。",
]

OPP_REQS_CAP: list[str] = [
    "{cap_text}の実績がある企業を優先します。",
    "{cap_text}の社内対応が望ましいです。",
    "{cap_text}に対応できる設備をお持ちの企業を歓迎します。",
]

OPP_CONDITIONS: list[str] = [
    "納期は受注後{weeks}週間以内を目安としています。",
    "年間取引額は{budget}程度の見込みです。",
    "見積回答期限は{deadline_ja}です。",
    "試作{n}ロットの評価後、量産移行を予定しています。",
    "取引開始前に工場監査（書面および実地）を実施します。",
    "品質記録（ミルシート・検査成績書）の提出をお願いします。",
    "長期的なお付き合いを前提に、設備投資の相談にも応じます。",
    "価格は原価の内訳をご提示いただいたうえで協議します。",
]

OPP_RESTRICTED: list[str] = [
    "本案件は防衛装備品に関わるため、防衛装備庁の競争参加資格と情報保全体制の確認が必要です。詳細は秘密保持契約の締結後に開示します。",
    "保全上の理由から、図面は秘密保持契約の締結後に当社内でのみ閲覧いただけます。",
    "本件は情報管理上の制約があり、事前審査を通過した企業様にのみ詳細をご案内します。",
]

OPP_CLOSING: list[str] = [
    "東北地域の企業様のご応募を特に歓迎します。",
    "まずはオンラインでの面談からお願いします。",
    "複数社への分散発注も検討しています。",
    "中小企業の皆様の積極的なご提案をお待ちしています。",
    "異業種からの参入も歓迎します。",
    "",
]

TOLERANCES: list[str] = [
    "寸法公差±0.01mm",
    "平面度0.005mm以下",
    "面粗さRa0.4以下",
    "気密性能1×10⁻⁹Pa・m³/s以下",
    "寸法公差±0.05mm",
    "外観品質は限度見本による",
    "同軸度0.01mm",
]

QUANTITIES: list[str] = [
    "月産{q}個",
    "年間{q}セット",
    "試作{n}台分",
    "月産{q}個（立上げ時は月{n}個）",
    "年間{q}点",
]

BUYER_POLICY: list[str] = [
    "調達部では国内サプライヤーの開拓を強化しています。",
    "東北地域の中小企業との取引拡大を目指しています。",
    "品質監査を経て、試作から段階的に取引を開始します。",
    "{partnership}を公表しており、適正な価格転嫁に応じています。",
    "技術力のある中小企業との共同開発にも前向きです。",
    "サプライチェーン強靱化のため、複数社購買を進めています。",
    "ご提案は{jgood}経由でも受け付けています。",
    "月に数社程度、新規サプライヤーとの面談の時間を設けています。",
]

# Spec sentences for items that are not "a part made of a material".
ITEM_SPECS: dict[str, list[str]] = {
    "ウエハー外観検査のAIモデル": [
        "学習用の検査画像（約{q}枚）は当社から提供します。欠陥の見逃し率を現行の半分以下にすることが目標です。",
        "既存の外観検査装置に組み込めるAIモデルの開発と、現場での再学習の仕組みづくりをお願いしたいと考えています。",
    ],
    "ECUファームウェア": [
        "{material}での開発経験と、機能安全を意識したテスト設計ができることが望ましいです。",
        "既存ECUの派生開発で、仕様書とテスト環境は当社から提供します。",
    ],
    "組立ラインの省力化設備": [
        "現在{n}名で行っている組立・搬送工程を自動化する設備の構想設計から据付までをお願いしたいです。",
        "タクトタイム{n}0秒を目標に、ロボットを使った省力化設備を検討しています。",
    ],
    "訓練用標的": [
        "軽量で安価、かつ現場で組み立てられる標的を想定しています。素材は{material}などを検討しています。",
        "使い捨てを前提とした訓練用標的で、{qty}を見込んでいます。",
    ],
    "カウンタードローン用アンテナ": [
        "不審ドローン対処のための指向性アンテナの試作で、小型・軽量化が課題です。",
        "評価用の試作{n}台から始め、性能確認後に量産を検討します。",
    ],
    "装置ユニット": [
        "部品は当社から支給し、{cr}内でのユニット組立とリークテストまでをお願いします。",
        "{qty}のユニット組立と、装置立上げ時の技術者派遣を想定しています。",
    ],
    "部品の非破壊検査": [
        "{material}の超音波探傷・浸透探傷を中心に、{qty}の検査業務を想定しています。",
        "検査員の資格（非破壊試験技術者）と記録管理の体制を確認させていただきます。",
    ],
    "電池材料の評価サンプル": [
        "{material}の評価サンプルをkg単位でご提供いただき、当社でセル評価を行います。",
        "量産時の品質安定性と価格の見通しもあわせてご提案ください。",
    ],
    "高純度薬液の原料": [
        "{material}の原料を、金属不純物ppbレベルで安定供給いただける企業を探しています。",
        "まずはサンプル評価から始め、{qty}規模の量産供給を想定しています。",
    ],
    "装置部品の精密洗浄・表面処理": [
        "{material}の装置部品について、精密洗浄と表面処理を一括でお願いしたいと考えています。",
        "清浄度の要求が厳しく、{cr}での梱包まで対応いただける企業を希望します。",
    ],
}
