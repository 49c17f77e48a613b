"""The kinds of Thai and Mie companies the generator draws, arranged so that they complement each other.

Each `Role` is a kind of company on one side of the border, with what it typically offers and looks
for. Roles come in value chains (seafood and cold chain, automotive parts, automation, energy and
environment, agri-food, healthcare, chemicals, tourism, logistics): a Thai role's requests use the
tags a Mie role offers, and the other way round, as in the programme's matchmaking events.
Tags that the skills taxonomy also names (`haccp`, `cold chain`, `cnc machining`, `plc`, …) appear
on both sides, so that training can add capabilities that matter.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.agency.company import ListingKind, Partnership


@dataclass(frozen=True, slots=True)
class ListingTemplate:
    kind: ListingKind
    tags: tuple[str, ...]
    partnership: tuple[Partnership, ...]
    sectors: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    """Certifications a request may name (one is drawn, sometimes)."""


@dataclass(frozen=True, slots=True)
class Role:
    key: str
    country: str
    weight: float
    fields: tuple[str, ...]
    sectors: tuple[str, ...]
    """ISIC Rev.4 classes."""
    word: tuple[str, str]
    """The trade word in company names: (English, Thai or Japanese)."""
    description: tuple[str, str]
    """(English, Thai or Japanese)."""
    regions: tuple[str, ...]
    offers: tuple[ListingTemplate, ...]
    requests: tuple[ListingTemplate, ...]
    certifications: tuple[tuple[str, float], ...] = ()


# Shared vocabularies: one side offers what the other asks for.
SEAFOOD = (
    "frozen shrimp", "frozen vannamei shrimp", "black tiger shrimp", "frozen squid", "frozen octopus",
    "frozen cuttlefish", "surimi", "fish balls", "canned tuna", "canned sardines", "dried squid",
    "crab meat", "pasteurized crab meat", "breaded shrimp", "tempura shrimp", "sushi ebi",
)  # fmt: skip
COLD_CHAIN_TECH = (
    "quick freezing equipment", "iqf freezer", "spiral freezer", "refrigeration systems", "ammonia refrigeration",
    "co2 refrigeration", "cold storage", "cold chain", "seafood processing machinery", "ice slurry systems",
    "thawing equipment", "temperature monitoring",
)  # fmt: skip
MARKET_JP = ("japanese market access", "distribution in japan", "retail network in japan", "private label development")
MARKET_TH = ("thai market access", "distributor network", "after-sales service", "maintenance services")
INSTALL_TH = ("installation services", "maintenance services", "after-sales service", "local engineering partner")
FOOD_SAFETY = ("haccp", "food safety", "gmp", "food hygiene", "quality control")
AUTO_PARTS = (
    "cnc machining", "precision machining", "metal stamping", "die casting", "aluminium die casting",
    "plastic injection molding", "forging", "wire harness", "rubber parts", "heat treatment", "powder coating",
    "sheet metal fabrication", "welding", "gear manufacturing",
)  # fmt: skip
AUTO_KNOWHOW = (
    "lean", "kaizen", "die and mould design", "ev components technology", "quality management", "iso 9001",
    "production engineering", "monozukuri training", "battery pack assembly", "motor technology",
)  # fmt: skip
MACHINE_TOOLS = ("cnc machine tools", "press dies", "precision moulds", "cutting tools", "jigs and fixtures")
AUTOMATION = (
    "robot integration", "robotics", "factory automation", "industrial robots", "vision inspection", "plc",
    "automated assembly", "smart factory", "iot", "collaborative robots", "agv",
)  # fmt: skip
IT_SERVICES = (
    "software development", "offshore development", "iot platform", "data analytics", "erp implementation",
    "mobile apps", "system integration", "mes software", "cloud migration",
)  # fmt: skip
ENVIRONMENT = (
    "wastewater treatment", "water treatment", "membrane filtration", "biogas plant", "waste-to-energy",
    "air pollution control", "sludge treatment", "water recycling", "industrial waste recycling",
)  # fmt: skip
ENERGY_TECH = (
    "solar pv modules", "energy management systems", "battery storage", "hydrogen technology", "heat pumps",
    "inverters", "led lighting", "energy audit", "energy efficiency",
)  # fmt: skip
ENERGY_SERVICES = ("epc contractor", "solar pv", "solar farm development", "biomass power", "rooftop solar")
BIOMASS = ("biomass pellets", "bagasse", "cassava pulp", "rice husk", "palm kernel shells", "wood chips")
TROPICAL = (
    "durian", "frozen durian", "mangosteen", "mango", "dried mango", "dried fruit", "fruit puree", "jasmine rice",
    "organic rice", "coconut products", "coconut water", "tropical fruit", "longan", "pineapple",
)  # fmt: skip
FOOD_TECH = (
    "freeze drying", "packaging machinery", "food processing technology", "shelf-life extension", "retort pouch",
    "food packaging", "packaging", "aseptic filling", "fermentation technology",
)  # fmt: skip
JP_INGREDIENTS = ("dashi seasoning", "matcha powder", "ise tea", "soy sauce", "miso", "japanese rice crackers")
FOOD_OEM = ("oem food production", "ready meals", "sauces and seasonings", "halal food production", "frozen dumplings")
MEDICAL = (
    "medical devices", "rehabilitation equipment", "elderly care products", "diagnostic equipment",
    "nursing care beds", "dental materials", "surgical instruments", "wound care products",
)  # fmt: skip
MEDICAL_MARKET = ("thai fda registration", "hospital network", "clinical trial support", "medical distribution")
HERBAL = ("herbal extracts", "thai herbal products", "cosmetics oem", "spa products", "natural ingredients")
CHEMICALS = (
    "specialty chemicals", "engineering plastics", "catalysts", "functional films", "carbon fiber", "coatings",
    "adhesives", "synthetic rubber",
)  # fmt: skip
RUBBER = (
    "natural rubber",
    "rubber compounds",
    "latex products",
    "bio-based chemicals",
    "bioplastics",
    "toll manufacturing",
)
JP_TOURISM = (
    "ise-shima tours", "ryokan stays", "pearl experiences", "ama diver experiences", "onsen tourism", "mice venues",
    "kumano kodo walks", "ninja experiences",
)  # fmt: skip
TH_TRAVEL = (
    "thai travel agencies",
    "inbound thai tourists",
    "thai-speaking guides",
    "halal meal services",
    "mice organising",
)
LOGISTICS = (
    "cold chain", "cold storage", "refrigerated trucking", "customs clearance", "warehousing",
    "cross-border logistics", "freight forwarding", "refrigerated logistics",
)  # fmt: skip
LOGISTICS_TECH = (
    "warehouse management system",
    "logistics iot",
    "refrigerated containers",
    "sea freight japan-thailand",
)

TH_SEAFOOD_REGIONS = ("Samut Sakhon", "Songkhla", "Surat Thani", "Chon Buri", "Rayong", "Pattani", "Samut Prakan")
TH_INDUSTRIAL = ("Chon Buri", "Rayong", "Samut Prakan", "Chachoengsao", "Phra Nakhon Si Ayutthaya", "Pathum Thani",
                 "Bangkok", "Prachin Buri")  # fmt: skip
TH_AGRI = ("Chiang Mai", "Chanthaburi", "Rayong", "Ubon Ratchathani", "Khon Kaen", "Nakhon Ratchasima",
           "Chiang Rai", "Suphan Buri", "Nakhon Pathom")  # fmt: skip
TH_CITY = ("Bangkok", "Nonthaburi", "Pathum Thani", "Chiang Mai", "Khon Kaen", "Samut Prakan")
MIE_COAST = ("Toba", "Shima", "Owase", "Ise", "Minamiise", "Kihoku", "Kumano")
MIE_INDUSTRY = ("Suzuka", "Yokkaichi", "Kameyama", "Inabe", "Kuwana", "Tsu", "Kawagoe", "Komono")
MIE_FOOD = ("Tsu", "Matsusaka", "Ise", "Iga", "Nabari", "Taki", "Meiwa")
MIE_CITY = ("Tsu", "Yokkaichi", "Suzuka", "Kuwana", "Matsusaka")


def _offer(
    kind: ListingKind, tags: tuple[str, ...], *partnership: Partnership, sectors: tuple[str, ...] = ()
) -> ListingTemplate:
    return ListingTemplate(kind, tags, partnership, sectors)


def _request(
    kind: ListingKind,
    tags: tuple[str, ...],
    *partnership: Partnership,
    sectors: tuple[str, ...] = (),
    certifications: tuple[str, ...] = (),
) -> ListingTemplate:
    return ListingTemplate(kind, tags, partnership, sectors, certifications)


ROLES: tuple[Role, ...] = (
    # --- seafood and cold chain ---------------------------------------------------------------
    Role(
        "th_seafood_processor",
        "TH",
        6,
        ("food_innovation", "logistics_cold_chain"),
        ("1020",),
        ("Seafood", "ซีฟู้ด"),
        ("Frozen seafood processor exporting shrimp and squid", "ผู้ผลิตอาหารทะเลแช่แข็งเพื่อการส่งออก"),
        TH_SEAFOOD_REGIONS,
        offers=(_offer("business_offer", SEAFOOD, "distributor", "buyer", sectors=("1020",)),),
        requests=(
            _request("technology_request", COLD_CHAIN_TECH, "supplier", "technology_licensing"),
            _request("business_request", MARKET_JP, "distributor", "buyer"),
        ),
        certifications=(("HACCP", 0.6), ("GMP", 0.5), ("BRC", 0.15), ("ISO 22000", 0.15), ("Halal", 0.25)),
    ),
    Role(
        "jp_seafood_importer",
        "JP",
        4,
        ("food_innovation",),
        ("4630", "1020"),
        ("Suisan", "水産"),
        ("Seafood importer and processor supplying Japanese retailers", "国内量販店向けの水産物輸入・加工"),
        MIE_COAST,
        offers=(_offer("business_offer", MARKET_JP, "supplier"),),
        requests=(
            _request("business_request", SEAFOOD, "supplier", sectors=("1020",), certifications=("HACCP",)),
            _request("business_request", FOOD_SAFETY[:2] + SEAFOOD[:4], "supplier", certifications=("HACCP", "BRC")),
        ),
        certifications=(("HACCP", 0.7), ("ISO 22000", 0.3)),
    ),
    Role(
        "jp_refrigeration_maker",
        "JP",
        3,
        ("logistics_cold_chain", "food_innovation"),
        ("2819", "2825"),
        ("Reito Kikai", "冷凍機械"),
        (
            "Maker of quick-freezing and refrigeration equipment for food plants",
            "食品工場向け急速冷凍・冷凍設備メーカー",
        ),
        MIE_INDUSTRY,
        offers=(
            _offer(
                "technology_offer", COLD_CHAIN_TECH, "distributor", "buyer", "technology_licensing", sectors=("2819",)
            ),
        ),
        requests=(_request("business_request", MARKET_TH + INSTALL_TH[:1], "distributor", "joint_venture"),),
        certifications=(("ISO 9001", 0.8), ("ISO 14001", 0.4)),
    ),
    Role(
        "th_refrigeration_installer",
        "TH",
        3,
        ("logistics_cold_chain",),
        ("3320", "4322"),
        ("Engineering", "เอ็นจิเนียริ่ง"),
        (
            "Installs and services refrigeration plants for food factories",
            "ติดตั้งและบำรุงรักษาระบบทำความเย็นสำหรับโรงงานอาหาร",
        ),
        TH_INDUSTRIAL,
        offers=(_offer("business_offer", INSTALL_TH + MARKET_TH[:2], "supplier", "subcontracting", "joint_venture"),),
        requests=(
            _request("technology_request", COLD_CHAIN_TECH + ENERGY_TECH[4:5], "supplier", "technology_licensing"),
        ),
        certifications=(("ISO 9001", 0.5),),
    ),
    # --- automotive parts ------------------------------------------------------------------------
    Role(
        "th_auto_parts",
        "TH",
        8,
        ("automotive_parts", "smart_manufacturing"),
        ("2930", "2591", "2592", "2220"),
        ("Auto Parts", "ออโต้พาร์ท"),
        ("Tier-2 supplier of machined, stamped and moulded automotive parts", "ผู้ผลิตชิ้นส่วนยานยนต์ระดับ Tier-2"),
        TH_INDUSTRIAL,
        offers=(_offer("business_offer", AUTO_PARTS, "subcontracting", "buyer", sectors=("2930",)),),
        requests=(
            _request("technology_request", AUTO_KNOWHOW, "technology_licensing", "joint_venture"),
            _request("technology_request", AUTOMATION[:6] + MACHINE_TOOLS[:2], "supplier"),
        ),
        certifications=(("ISO 9001", 0.7), ("IATF 16949", 0.4), ("ISO 14001", 0.3)),
    ),
    Role(
        "jp_auto_tier1",
        "JP",
        6,
        ("automotive_parts", "next_generation_vehicles"),
        ("2930", "2910"),
        ("Kogyo", "工業"),
        ("Automotive component maker expanding its Thai supply base", "タイでの調達先を広げる自動車部品メーカー"),
        MIE_INDUSTRY,
        offers=(_offer("technology_offer", AUTO_KNOWHOW, "technology_licensing", "joint_venture"),),
        requests=(
            _request(
                "business_request",
                AUTO_PARTS,
                "subcontracting",
                "supplier",
                sectors=("2930",),
                certifications=("IATF 16949", "ISO 9001"),
            ),
        ),
        certifications=(("ISO 9001", 0.9), ("IATF 16949", 0.6), ("ISO 14001", 0.6)),
    ),
    Role(
        "jp_machine_tools",
        "JP",
        3,
        ("smart_manufacturing", "automotive_parts"),
        ("2822", "2593"),
        ("Seiki", "精機"),
        ("Maker of moulds, dies and machine tools", "金型・プレス金型・工作機械メーカー"),
        MIE_INDUSTRY,
        offers=(_offer("technology_offer", MACHINE_TOOLS + AUTO_KNOWHOW[2:3], "buyer", "distributor"),),
        requests=(_request("business_request", MARKET_TH, "distributor"),),
        certifications=(("ISO 9001", 0.8),),
    ),
    # --- automation and digital ------------------------------------------------------------------
    Role(
        "jp_robot_integrator",
        "JP",
        4,
        ("robotics_automation", "smart_manufacturing"),
        ("2829", "2790"),
        ("Robotics", "ロボティクス"),
        (
            "Robot system integrator for assembly and inspection lines",
            "組立・検査ラインのロボットシステムインテグレーター",
        ),
        MIE_INDUSTRY,
        offers=(_offer("technology_offer", AUTOMATION, "buyer", "distributor", "joint_venture"),),
        requests=(_request("business_request", (*INSTALL_TH, "system integration"), "distributor", "joint_venture"),),
        certifications=(("ISO 9001", 0.6),),
    ),
    Role(
        "th_system_integrator",
        "TH",
        5,
        ("digital", "robotics_automation"),
        ("6201", "6202", "3320"),
        ("Technology", "เทคโนโลยี"),
        ("Software house and factory system integrator", "บริษัทซอฟต์แวร์และผู้รวมระบบโรงงาน"),
        TH_CITY,
        offers=(_offer("business_offer", IT_SERVICES + INSTALL_TH[:1], "subcontracting", "joint_venture"),),
        requests=(_request("technology_request", AUTOMATION, "supplier", "technology_licensing"),),
        certifications=(("ISO 27001", 0.3), ("CMMI Level 3", 0.15)),
    ),
    Role(
        "jp_manufacturer_digitalising",
        "JP",
        3,
        ("digital", "smart_manufacturing"),
        ("2599", "2710", "2640"),
        ("Denki", "電機"),
        ("Electrical equipment maker digitalising its plants", "工場のデジタル化を進める電機メーカー"),
        MIE_CITY,
        offers=(_offer("technology_offer", AUTOMATION[7:9] + ENERGY_TECH[1:2], "buyer", "joint_venture"),),
        requests=(_request("business_request", IT_SERVICES, "subcontracting"),),
        certifications=(("ISO 9001", 0.8), ("ISO 27001", 0.2)),
    ),
    # --- energy and environment ------------------------------------------------------------------
    Role(
        "jp_environmental_tech",
        "JP",
        3,
        ("environmental_technology",),
        ("3700", "2829", "7110"),
        ("Kankyo Engineering", "環境エンジニアリング"),
        ("Water and waste treatment technology", "水処理・廃棄物処理技術"),
        MIE_INDUSTRY,
        offers=(_offer("technology_offer", ENVIRONMENT, "technology_licensing", "joint_venture", "distributor"),),
        requests=(
            _request("business_request", (*INSTALL_TH, "industrial estate clients"), "distributor", "joint_venture"),
        ),
        certifications=(("ISO 14001", 0.8), ("ISO 9001", 0.6)),
    ),
    Role(
        "th_environmental_services",
        "TH",
        3,
        ("environmental_technology",),
        ("3821", "3700"),
        ("Environmental", "เอ็นไวรอนเมนทัล"),
        ("Environmental services for industrial estates", "บริการด้านสิ่งแวดล้อมสำหรับนิคมอุตสาหกรรม"),
        TH_INDUSTRIAL,
        offers=(
            _offer(
                "business_offer",
                (*INSTALL_TH, "industrial estate clients", "environmental consulting"),
                "supplier",
                "joint_venture",
            ),
        ),
        requests=(_request("technology_request", ENVIRONMENT, "technology_licensing", "supplier", "joint_venture"),),
        certifications=(("ISO 14001", 0.5),),
    ),
    Role(
        "jp_energy_tech",
        "JP",
        3,
        ("renewable_energy",),
        ("2710", "2733", "3510"),
        ("Energy", "エナジー"),
        ("Solar, storage and hydrogen equipment", "太陽光・蓄電・水素関連機器"),
        MIE_CITY,
        offers=(_offer("technology_offer", ENERGY_TECH, "distributor", "technology_licensing", "joint_venture"),),
        requests=(
            _request(
                "business_request", ENERGY_SERVICES[:1] + INSTALL_TH[3:] + MARKET_TH[:1], "distributor", "joint_venture"
            ),
            _request("business_request", BIOMASS, "supplier"),
        ),
        certifications=(("ISO 9001", 0.7), ("ISO 14001", 0.6)),
    ),
    Role(
        "th_renewable_epc",
        "TH",
        3,
        ("renewable_energy",),
        ("4321", "3510", "7110"),
        ("Energy", "เอนเนอร์ยี่"),
        ("Renewable-energy EPC contractor and developer", "ผู้รับเหมาและพัฒนาโครงการพลังงานหมุนเวียน"),
        (*TH_CITY, "Nakhon Ratchasima", "Chon Buri"),
        offers=(_offer("business_offer", ENERGY_SERVICES + INSTALL_TH[3:], "supplier", "joint_venture"),),
        requests=(_request("technology_request", ENERGY_TECH, "supplier", "joint_venture", "technology_licensing"),),
        certifications=(("ISO 9001", 0.4),),
    ),
    Role(
        "th_biomass_supplier",
        "TH",
        2,
        ("renewable_energy", "agriculture_agritech"),
        ("1072", "1062", "0161"),
        ("Agro", "อะโกร"),
        ("Sugar and starch mill selling biomass by-products", "โรงงานน้ำตาลและแป้งที่จำหน่ายชีวมวล"),
        TH_AGRI,
        offers=(_offer("business_offer", BIOMASS, "buyer", "distributor"),),
        requests=(
            _request(
                "technology_request",
                ENVIRONMENT[3:5] + ENERGY_TECH[1:2] + ENERGY_TECH[7:],
                "supplier",
                "technology_licensing",
            ),
        ),
        certifications=(("ISO 14001", 0.3), ("FSC", 0.1)),
    ),
    # --- agri-food -------------------------------------------------------------------------------
    Role(
        "th_fruit_exporter",
        "TH",
        6,
        ("agriculture_agritech", "food_innovation"),
        ("0122", "1030", "0112"),
        ("Fruit", "ฟรุ๊ต"),
        ("Grower, packer and processor of tropical fruit and rice", "ผู้ปลูก บรรจุ และแปรรูปผลไม้เมืองร้อนและข้าว"),
        TH_AGRI,
        offers=(_offer("business_offer", TROPICAL, "distributor", "buyer"),),
        requests=(
            _request("technology_request", FOOD_TECH, "supplier", "technology_licensing"),
            _request("business_request", MARKET_JP, "distributor", "buyer"),
        ),
        certifications=(("GAP", 0.5), ("GMP", 0.4), ("HACCP", 0.3), ("Organic Thailand", 0.2), ("Halal", 0.2)),
    ),
    Role(
        "jp_food_importer",
        "JP",
        4,
        ("food_innovation",),
        ("4630", "4711"),
        ("Shokuhin", "食品"),
        ("Food importer and retailer", "食品輸入・小売"),
        MIE_FOOD,
        offers=(_offer("business_offer", MARKET_JP, "supplier"),),
        requests=(
            _request("business_request", TROPICAL, "supplier", certifications=("GAP", "HACCP")),
            _request("business_request", FOOD_OEM[:2] + SEAFOOD[6:8], "supplier"),
        ),
        certifications=(("HACCP", 0.5),),
    ),
    Role(
        "jp_food_technology",
        "JP",
        3,
        ("food_innovation",),
        ("2825", "1079"),
        ("Shokuhin Kikai", "食品機械"),
        ("Food machinery and Japanese ingredients", "食品機械と和食素材"),
        MIE_FOOD,
        offers=(
            _offer("technology_offer", FOOD_TECH, "buyer", "distributor", "technology_licensing"),
            _offer("business_offer", JP_INGREDIENTS, "distributor", "buyer"),
        ),
        requests=(_request("business_request", MARKET_TH + FOOD_OEM[:1], "distributor", "joint_venture"),),
        certifications=(("ISO 9001", 0.5), ("FSSC 22000", 0.3), ("HACCP", 0.4)),
    ),
    Role(
        "th_food_manufacturer",
        "TH",
        5,
        ("food_innovation",),
        ("1079", "1075"),
        ("Foods", "ฟู้ดส์"),
        ("Food manufacturer making sauces, ready meals and OEM products", "ผู้ผลิตซอส อาหารพร้อมทาน และสินค้า OEM"),
        (*TH_INDUSTRIAL, "Nakhon Pathom", "Samut Sakhon"),
        offers=(_offer("business_offer", FOOD_OEM + MARKET_TH[:1], "buyer", "joint_venture", "distributor"),),
        requests=(
            _request("technology_request", JP_INGREDIENTS + FOOD_TECH[:4], "supplier", "technology_licensing"),
            _request("technology_request", FOOD_SAFETY, "technology_licensing"),
        ),
        certifications=(("GMP", 0.7), ("HACCP", 0.5), ("Halal", 0.4), ("FSSC 22000", 0.15)),
    ),
    # --- healthcare ------------------------------------------------------------------------------
    Role(
        "jp_medical_devices",
        "JP",
        3,
        ("medical_healthcare",),
        ("3250", "2660"),
        ("Iryo Kiki", "医療機器"),
        ("Medical and elderly-care device maker", "医療・介護機器メーカー"),
        MIE_CITY,
        offers=(_offer("technology_offer", MEDICAL, "distributor", "joint_venture"),),
        requests=(_request("business_request", MEDICAL_MARKET + MARKET_TH[1:2], "distributor", "joint_venture"),),
        certifications=(("ISO 13485", 0.8), ("ISO 9001", 0.6)),
    ),
    Role(
        "th_medical_distributor",
        "TH",
        3,
        ("medical_healthcare",),
        ("4659", "4649"),
        ("Medical", "เมดิคอล"),
        ("Medical equipment importer and distributor", "ผู้นำเข้าและจัดจำหน่ายเครื่องมือแพทย์"),
        TH_CITY,
        offers=(_offer("business_offer", MEDICAL_MARKET + MARKET_TH[1:2], "supplier"),),
        requests=(
            _request("business_request", MEDICAL, "supplier", "technology_licensing", certifications=("ISO 13485",)),
        ),
        certifications=(("ISO 13485", 0.3), ("ISO 9001", 0.4)),
    ),
    Role(
        "th_herbal_products",
        "TH",
        3,
        ("medical_healthcare", "agriculture_agritech"),
        ("2100", "2023"),
        ("Herbal", "เฮอร์บอล"),
        ("Herbal extracts and cosmetics OEM", "สารสกัดสมุนไพรและเครื่องสำอาง OEM"),
        (*TH_AGRI, "Bangkok"),
        offers=(_offer("business_offer", HERBAL, "distributor", "buyer"),),
        requests=(
            _request(
                "technology_request",
                ("formulation technology", "anti-aging research", *MARKET_JP[:2]),
                "technology_licensing",
                "distributor",
            ),
        ),
        certifications=(("GMP", 0.6), ("ISO 22716", 0.3), ("Halal", 0.2)),
    ),
    Role(
        "jp_cosmetics",
        "JP",
        2,
        ("medical_healthcare",),
        ("2023", "4649"),
        ("Kesho-hin", "化粧品"),
        ("Cosmetics and health-food brand", "化粧品・健康食品ブランド"),
        MIE_CITY + MIE_FOOD[:2],
        offers=(
            _offer(
                "technology_offer",
                ("formulation technology", "anti-aging research", *MARKET_JP[:2]),
                "technology_licensing",
                "supplier",
            ),
        ),
        requests=(_request("business_request", HERBAL, "supplier", certifications=("GMP",)),),
        certifications=(("ISO 22716", 0.5),),
    ),
    # --- chemicals and materials -----------------------------------------------------------------
    Role(
        "jp_chemicals",
        "JP",
        3,
        ("chemicals_materials",),
        ("2011", "2013", "2029"),
        ("Kasei", "化成"),
        ("Specialty chemicals and engineering plastics", "機能性化学品・エンジニアリングプラスチック"),
        ("Yokkaichi", "Kawagoe", "Suzuka", "Kuwana"),
        offers=(_offer("technology_offer", CHEMICALS, "distributor", "joint_venture", "technology_licensing"),),
        requests=(_request("business_request", RUBBER[:1] + RUBBER[3:] + MARKET_TH[:1], "supplier", "joint_venture"),),
        certifications=(("ISO 9001", 0.8), ("ISO 14001", 0.8), ("Responsible Care", 0.4)),
    ),
    Role(
        "th_rubber_plastics",
        "TH",
        4,
        ("chemicals_materials", "automotive_parts"),
        ("2219", "2220", "0129"),
        ("Rubber", "รับเบอร์"),
        ("Natural rubber, compounds and bio-based plastics", "ยางธรรมชาติ ยางคอมพาวด์ และพลาสติกชีวภาพ"),
        ("Songkhla", "Surat Thani", "Rayong", "Chon Buri", "Nakhon Si Thammarat", "Trang"),
        offers=(_offer("business_offer", RUBBER, "buyer", "distributor", "joint_venture"),),
        requests=(_request("technology_request", CHEMICALS[:6] + ENVIRONMENT[8:], "supplier", "technology_licensing"),),
        certifications=(("ISO 9001", 0.5), ("FSC", 0.2)),
    ),
    # --- tourism ---------------------------------------------------------------------------------
    Role(
        "jp_tourism",
        "JP",
        3,
        ("tourism_hospitality",),
        ("5510", "7911"),
        ("Kanko", "観光"),
        ("Ryokan and tour operator in Ise-Shima and Kumano", "伊勢志摩・熊野の旅館・旅行会社"),
        ("Ise", "Toba", "Shima", "Kumano", "Iga", "Minamiise"),
        offers=(_offer("business_offer", JP_TOURISM, "distributor"),),
        requests=(_request("business_request", TH_TRAVEL, "distributor", "joint_venture"),),
    ),
    Role(
        "th_travel_agency",
        "TH",
        3,
        ("tourism_hospitality",),
        ("7911", "7912"),
        ("Tour", "ทัวร์"),
        ("Outbound travel agency specialising in Japan", "บริษัทนำเที่ยวต่างประเทศ เชี่ยวชาญญี่ปุ่น"),
        ("Bangkok", "Chiang Mai", "Phuket", "Khon Kaen", "Songkhla"),
        offers=(_offer("business_offer", TH_TRAVEL, "supplier", "joint_venture"),),
        requests=(_request("business_request", JP_TOURISM, "supplier"),),
    ),
    # --- logistics -------------------------------------------------------------------------------
    Role(
        "th_logistics",
        "TH",
        4,
        ("logistics_cold_chain",),
        ("5210", "5229", "4923"),
        ("Logistics", "โลจิสติกส์"),
        ("Cold-chain and cross-border logistics provider", "ผู้ให้บริการโลจิสติกส์ห่วงโซ่ความเย็นและข้ามแดน"),
        ("Bangkok", "Samut Prakan", "Chon Buri", "Songkhla", "Chachoengsao"),
        offers=(_offer("business_offer", LOGISTICS, "subcontracting", "joint_venture"),),
        requests=(
            _request("technology_request", LOGISTICS_TECH + COLD_CHAIN_TECH[11:], "supplier", "technology_licensing"),
        ),
        certifications=(("ISO 9001", 0.5), ("GDP", 0.2)),
    ),
    Role(
        "jp_logistics",
        "JP",
        2,
        ("logistics_cold_chain",),
        ("5229", "5012"),
        ("Butsuryu", "物流"),
        ("Freight forwarder serving Mie exporters", "三重の輸出企業を支える物流会社"),
        ("Yokkaichi", "Kawagoe", "Tsu", "Suzuka"),
        offers=(_offer("business_offer", LOGISTICS_TECH, "joint_venture", "subcontracting"),),
        requests=(_request("business_request", LOGISTICS, "subcontracting", "joint_venture"),),
        certifications=(("ISO 9001", 0.5),),
    ),
)
