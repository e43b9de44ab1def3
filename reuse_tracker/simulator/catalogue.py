"""A realistic, seeded province: its units, document types and procedures (TTHC)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from reuse_tracker.simulator.identity import stable_int

__all__ = [
    "DOCUMENT_TYPES",
    "Catalogue",
    "DocumentType",
    "Procedure",
    "Unit",
    "build_catalogue",
]


@dataclass(frozen=True)
class Unit:
    """One agency (mã định danh) as finally registered."""

    code: str
    name: str
    parent: str | None
    level: str
    certified_copy_service: bool


@dataclass(frozen=True)
class DocumentType:
    """A kind of paper an applicant submits; ``personal`` papers are the same paper every time."""

    code: str
    name: str
    personal: bool


@dataclass(frozen=True)
class Procedure:
    """One procedure (TTHC). ``audience`` is ``citizen``, ``business`` or ``both``."""

    code: str
    name: str
    audience: str
    result_document_required: bool
    documents: tuple[str, ...]
    weight: float

    @property
    def citizen_facing(self) -> bool:
        """Whether its applicants include citizens."""
        return self.audience != "business"


@dataclass(frozen=True)
class Catalogue:
    """The unit tree, the procedures and who handles which (``assignments``: unit, procedure).

    ``reregistered`` names units first registered with the opposite ``certified_copy_service``
    and then re-registered with the final value (the ``units`` hold the final state).
    """

    root: str
    units: tuple[Unit, ...]
    procedures: tuple[Procedure, ...]
    assignments: tuple[tuple[str, str], ...]
    reregistered: tuple[str, ...] = ()

    @cached_property
    def by_code(self) -> dict[str, Unit]:
        """Units by code."""
        return {u.code: u for u in self.units}

    @cached_property
    def procedure_by_code(self) -> dict[str, Procedure]:
        """Procedures by code."""
        return {p.code: p for p in self.procedures}

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        """Direct children of every unit."""
        out: dict[str, list[str]] = {u.code: [] for u in self.units}
        for u in self.units:
            if u.parent is not None:
                out[u.parent].append(u.code)
        return {k: tuple(v) for k, v in out.items()}

    def subtree(self, code: str) -> frozenset[str]:
        """The unit and every unit below it."""
        seen: set[str] = set()
        todo = [code]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(self.children.get(current, ()))
        return frozenset(seen)

    @cached_property
    def procedures_of(self) -> dict[str, tuple[Procedure, ...]]:
        """The procedures each unit handles, in catalogue order."""
        out: dict[str, list[Procedure]] = {u.code: [] for u in self.units}
        for unit, proc in self.assignments:
            out[unit].append(self.procedure_by_code[proc])
        return {k: tuple(v) for k, v in out.items()}


def _d(code: str, name: str, personal: bool) -> DocumentType:
    return DocumentType(code, name, personal)


DOCUMENT_TYPES: dict[str, DocumentType] = {
    d.code: d
    for d in (
        _d("CCCD", "Thẻ Căn cước công dân", True),
        _d("KS", "Giấy khai sinh", True),
        _d("GCS", "Giấy chứng sinh", True),
        _d("KH", "Giấy chứng nhận kết hôn", True),
        _d("XNHN", "Giấy xác nhận tình trạng hôn nhân", True),
        _d("SDD", "Giấy chứng nhận quyền sử dụng đất", True),
        _d("GPLX", "Giấy phép lái xe", True),
        _d("BTN", "Bằng tốt nghiệp", True),
        _d("GKSK", "Giấy khám sức khỏe", True),
        _d("DKDN", "Giấy chứng nhận đăng ký doanh nghiệp", True),
        _d("HDLD", "Hợp đồng lao động", True),
        _d("CCHN", "Chứng chỉ hành nghề", True),
        _d("XNCT", "Giấy xác nhận thông tin về cư trú", True),
        _d("GBT", "Giấy báo tử", True),
        _d("TK", "Tờ khai", False),
        _d("DON", "Đơn đề nghị", False),
        _d("BVTK", "Bản vẽ thiết kế", False),
        _d("UQ", "Giấy ủy quyền", False),
        _d("BC", "Báo cáo", False),
        _d("PA", "Phương án kinh doanh", False),
        _d("HDMB", "Hợp đồng chuyển nhượng, mua bán", False),
        _d("KHAC", "Tài liệu khác", False),
    )
}

# (name, where, audience, result_document_required, documents, weight). ``where`` is "X" for
# every commune or the department numbers (1-based) that handle the procedure.
_P = tuple[str, str | tuple[int, ...], str, bool, tuple[str, ...], float]
_PROCEDURES: tuple[_P, ...] = (
    ("Đăng ký khai sinh", "X", "citizen", True, ("TK", "GCS", "CCCD"), 10),
    ("Đăng ký kết hôn", "X", "citizen", True, ("TK", "CCCD", "XNHN"), 5),
    ("Đăng ký khai tử", "X", "citizen", True, ("TK", "GBT", "CCCD"), 4),
    ("Chứng thực bản sao từ bản chính giấy tờ, văn bản", "X", "both", True, ("CCCD", "BTN"), 12),
    ("Chứng thực chữ ký trong các giấy tờ, văn bản", "X", "both", True, ("CCCD", "UQ"), 5),
    (
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
        "X",
        "both",
        True,
        ("CCCD", "HDMB"),
        2,
    ),
    ("Cấp bản sao trích lục hộ tịch", "X", "citizen", True, ("DON", "CCCD"), 5),
    ("Cấp Giấy xác nhận tình trạng hôn nhân", "X", "citizen", True, ("TK", "CCCD"), 6),
    ("Đăng ký nhận cha, mẹ, con", "X", "citizen", True, ("TK", "KS", "CCCD"), 1),
    (
        "Thay đổi, cải chính, bổ sung thông tin hộ tịch",
        "X",
        "citizen",
        True,
        ("TK", "KS", "CCCD"),
        2,
    ),
    ("Đăng ký giám hộ", "X", "citizen", True, ("TK", "CCCD"), 1),
    ("Đăng ký thành lập hộ kinh doanh", "X", "both", True, ("DON", "CCCD", "HDMB"), 3),
    (
        "Đăng ký đất đai, tài sản gắn liền với đất lần đầu",
        "X",
        "citizen",
        True,
        ("DON", "CCCD", "BVTK"),
        3,
    ),
    (
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "X",
        "citizen",
        True,
        ("DON", "SDD", "HDMB", "CCCD"),
        3,
    ),
    ("Hòa giải tranh chấp đất đai", "X", "citizen", False, ("DON", "CCCD"), 1),
    (
        "Trợ cấp xã hội hằng tháng đối với đối tượng bảo trợ xã hội",
        "X",
        "citizen",
        True,
        ("TK", "CCCD", "KS"),
        2,
    ),
    (
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "X",
        "citizen",
        True,
        ("TK", "GBT", "CCCD"),
        1,
    ),
    (
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "X",
        "citizen",
        True,
        ("DON", "SDD", "BVTK", "CCCD"),
        3,
    ),
    ("Thông báo tổ chức lễ hội", "X", "business", False, ("DON", "PA"), 0.3),
    (
        "Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm",
        "X",
        "citizen",
        True,
        ("DON", "CCCD"),
        1,
    ),
    (
        "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 "
        "tuổi",
        "X",
        "citizen",
        True,
        ("TK", "GCS", "CCCD"),
        4,
    ),
    ("Chứng thực di chúc", "X", "citizen", True, ("CCCD", "DON"), 0.5),
    ("Đăng ký kiểm tra, xác nhận kế hoạch bảo vệ môi trường", "X", "business", False, ("BC",), 0.3),
    (
        "Tiếp nhận hồ sơ đề nghị hỗ trợ nhà ở cho người có công với cách mạng",
        "X",
        "citizen",
        False,
        ("DON", "CCCD", "SDD"),
        0.5,
    ),
    (
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        (1,),
        "citizen",
        True,
        ("TK", "CCCD", "XNCT"),
        8,
    ),
    ("Cấp Thẻ công chứng viên", (1,), "citizen", True, ("DON", "CCHN", "CCCD"), 0.3),
    (
        "Đăng ký hoạt động của Văn phòng công chứng",
        (1,),
        "business",
        True,
        ("DON", "DKDN", "CCHN"),
        0.2,
    ),
    (
        "Đăng ký kết hôn có yếu tố nước ngoài",
        (1,),
        "citizen",
        True,
        ("TK", "CCCD", "XNHN", "GKSK"),
        0.5,
    ),
    (
        "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
        (2,),
        "citizen",
        True,
        ("DON", "BTN", "GKSK", "CCCD"),
        2,
    ),
    (
        "Cấp giấy phép hoạt động đối với phòng khám",
        (2,),
        "business",
        True,
        ("DON", "DKDN", "CCHN", "BVTK"),
        0.5,
    ),
    (
        "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược",
        (2,),
        "business",
        True,
        ("DON", "DKDN", "CCHN"),
        0.7,
    ),
    (
        "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        (2, 6, 7),
        "business",
        True,
        ("DON", "DKDN", "BC"),
        0.8,
    ),
    ("Giải quyết hưởng trợ cấp thất nghiệp", (3,), "citizen", True, ("DON", "HDLD", "CCCD"), 4),
    (
        "Cấp giấy phép lao động cho người lao động nước ngoài",
        (3, 15),
        "business",
        True,
        ("DON", "GKSK", "BTN"),
        0.5,
    ),
    (
        "Giải quyết chế độ trợ cấp một lần đối với người có công với cách mạng",
        (3,),
        "citizen",
        True,
        ("DON", "CCCD"),
        0.5,
    ),
    ("Đăng ký thành lập doanh nghiệp tư nhân", (4,), "both", True, ("DON", "CCCD", "UQ"), 3),
    (
        "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
        (4,),
        "business",
        True,
        ("DON", "CCCD", "UQ"),
        2,
    ),
    ("Đăng ký thay đổi nội dung đăng ký doanh nghiệp", (4,), "business", True, ("DON", "DKDN"), 3),
    ("Thông báo tạm ngừng kinh doanh", (4,), "business", False, ("DON", "DKDN"), 1),
    (
        "Cấp giấy phép xây dựng mới đối với công trình cấp I, cấp II",
        (5,),
        "business",
        True,
        ("DON", "SDD", "BVTK"),
        0.5,
    ),
    (
        "Cấp chứng chỉ hành nghề hoạt động xây dựng",
        (5,),
        "citizen",
        True,
        ("DON", "BTN", "CCCD"),
        1,
    ),
    (
        "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        (5,),
        "citizen",
        True,
        ("TK", "GPLX", "GKSK", "CCCD"),
        6,
    ),
    (
        "Cấp giấy phép kinh doanh vận tải bằng xe ô tô",
        (5,),
        "business",
        True,
        ("DON", "DKDN", "PA"),
        0.5,
    ),
    ("Cấp Giấy phép bán lẻ sản phẩm thuốc lá", (6,), "business", True, ("DON", "DKDN"), 0.4),
    (
        "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ LPG chai",
        (6,),
        "business",
        True,
        ("DON", "DKDN", "BVTK"),
        0.2,
    ),
    ("Đăng ký thực hiện khuyến mại", (6,), "business", False, ("DON", "PA"), 1),
    (
        "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất",
        (7,),
        "citizen",
        True,
        ("DON", "CCCD"),
        2,
    ),
    ("Cấp giấy phép môi trường", (7,), "business", True, ("DON", "BC", "BVTK"), 0.3),
    (
        "Cấp Giấy chứng nhận kiểm dịch động vật vận chuyển ra khỏi địa bàn cấp tỉnh",
        (7,),
        "both",
        True,
        ("DON",),
        0.6,
    ),
    ("Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", (8,), "citizen", True, ("DON", "CCCD"), 3),
    (
        "Chỉnh sửa nội dung văn bằng, chứng chỉ",
        (8,),
        "citizen",
        True,
        ("DON", "BTN", "KS", "CCCD"),
        0.5,
    ),
    (
        "Cho phép trung tâm ngoại ngữ, tin học hoạt động giáo dục",
        (8,),
        "business",
        True,
        ("DON", "PA", "BC"),
        0.2,
    ),
    (
        "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
        (9,),
        "business",
        True,
        ("DON", "BC"),
        0.2,
    ),
    (
        "Cấp giấy phép tiến hành công việc bức xạ",
        (9,),
        "business",
        True,
        ("DON", "CCHN", "BC"),
        0.2,
    ),
    (
        "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa",
        (10,),
        "business",
        True,
        ("DON", "DKDN", "PA"),
        0.3,
    ),
    (
        "Cấp thẻ hướng dẫn viên du lịch nội địa",
        (10,),
        "citizen",
        True,
        ("DON", "BTN", "GKSK", "CCCD"),
        0.5,
    ),
    (
        "Đăng ký người được bổ nhiệm, bầu cử, suy cử làm chức việc",
        (11,),
        "business",
        False,
        ("DON", "BC"),
        0.1,
    ),
    ("Cho phép tổ chức hội nghị, hội thảo quốc tế", (12,), "business", True, ("DON", "PA"), 0.1),
    ("Giải quyết khiếu nại lần đầu", (13,), "both", True, ("DON", "CCCD"), 0.5),
    ("Giải quyết tố cáo", (13,), "citizen", True, ("DON", "CCCD"), 0.3),
    ("Cấp thẻ đi lại của doanh nhân APEC", (14,), "citizen", True, ("DON", "CCCD", "DKDN"), 0.4),
    ("Cấp Giấy chứng nhận đăng ký đầu tư", (15,), "business", True, ("DON", "PA", "DKDN"), 0.3),
)

_DEPARTMENTS: tuple[str, ...] = (
    "Sở Tư pháp",
    "Sở Y tế",
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Giáo dục và Đào tạo",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo",
    "Sở Ngoại vụ",
    "Thanh tra tỉnh",
    "Văn phòng Ủy ban nhân dân tỉnh",
    "Ban Quản lý các khu công nghiệp",
)

_FIRST = (
    "Phú", "Tân", "Hưng", "Thanh", "Xuân", "Yên", "Văn", "Hà", "Kim", "Trung", "Minh", "Vĩnh",
    "Đông", "Tây", "Hùng", "Quang", "Tiên", "Sơn", "Cao", "Đồng", "Lương", "Phong", "Hiền",
    "Tam", "Vạn", "Bình", "An", "Long", "Chu", "Hy",
)  # fmt: skip
_SECOND = (
    "Lộc", "Thịnh", "Hòa", "Sơn", "Lâm", "Thủy", "Đức", "Lương", "Xuân", "Phú", "Cường", "Tiến",
    "Quang", "Lập", "Khê", "Minh", "Thành", "Bình", "An", "Phong", "Hưng", "Thái", "Nguyên",
    "Hải", "Mỹ", "Trung", "Tân", "Lạc", "Vinh", "Hợp",
)  # fmt: skip
_PROVINCES = (
    "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Lạng Sơn", "Bắc Ninh", "Hưng Yên", "Ninh Bình",
    "Quảng Trị", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Đồng Nai",
    "Tây Ninh", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang", "Cao Bằng", "Điện Biên",
)  # fmt: skip
_KNOWN_ROOTS = {"H44": "Phú Thọ"}


def province_name(root: str) -> str:
    """The province's own name for a root code (Phú Thọ for H44, a stable pick otherwise)."""
    return _KNOWN_ROOTS.get(root) or _PROVINCES[stable_int("province", root) % len(_PROVINCES)]


def _commune_names(rng: random.Random, count: int) -> list[str]:
    pairs = [f"{a} {b}" for a in _FIRST for b in _SECOND if a != b]
    return rng.sample(pairs, count)


def _procedure_codes(rng: random.Random, count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(f"{rng.choice((1, 1, 1, 2))}.{rng.randint(0, 13999):06d}")
    return sorted(codes, key=lambda c: (c[2:], c))


def build_catalogue(
    root: str,
    seed: int,
    departments: int = 15,
    communes: int = 100,
    no_certified_copy: float = 0.08,
) -> Catalogue:
    """A province under ``root``: departments ``ROOT.01..``, communes ``ROOT.100..``, procedures.

    Deterministic for (root, seed). Commune procedures are assigned to every commune; department
    procedures to their department(s) (a few to two or three).
    """
    if not 1 <= departments <= len(_DEPARTMENTS):
        raise ValueError(f"departments must be within 1..{len(_DEPARTMENTS)}")
    if not 1 <= communes <= 800:
        raise ValueError("communes must be within 1..800")
    rng = random.Random(stable_int("catalogue", root, seed))
    units: list[Unit] = [Unit(root, f"UBND tỉnh {province_name(root)}", None, "province", True)]
    for i, name in enumerate(_DEPARTMENTS[:departments], start=1):
        certified = rng.random() >= no_certified_copy
        units.append(Unit(f"{root}.{i:02d}", name, root, "department", certified))
    for i, name in enumerate(_commune_names(rng, communes)):
        certified = rng.random() >= no_certified_copy
        units.append(Unit(f"{root}.{100 + i}", f"UBND xã {name}", root, "commune", certified))
    commune_codes = [u.code for u in units if u.level == "commune"]

    procedures: list[Procedure] = []
    assignments: list[tuple[str, str]] = []
    for (name, where, audience, result_required, docs, weight), code in zip(
        _PROCEDURES, _procedure_codes(rng, len(_PROCEDURES)), strict=True
    ):
        if isinstance(where, str):  # "X": every commune
            handlers: Iterable[str] = commune_codes
        else:
            handlers = [f"{root}.{d:02d}" for d in where if d <= departments]
            if not handlers:
                handlers = [f"{root}.01"]
        procedures.append(Procedure(code, name, audience, result_required, docs, float(weight)))
        assignments.extend((unit, code) for unit in handlers)

    # Two units whose first registration said the opposite, corrected by a re-registration.
    reregistered = tuple(sorted(rng.sample([u.code for u in units[1:]], min(2, len(units) - 1))))
    return Catalogue(
        root=root,
        units=tuple(units),
        procedures=tuple(procedures),
        assignments=tuple(assignments),
        reregistered=reregistered,
    )
