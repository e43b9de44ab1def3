"""The console's words in Vietnamese (default) and English, and numbers and dates as each
language writes them (46,97% in Vietnamese, 46.97% in English)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

LANGS = ("vi", "en")

# The indicators' names as the national portal (Cổng DVCQG) shows them, and in English.
INDICATOR_NAMES: dict[str, dict[str, str]] = {
    "ORIGINAL_RESULT_AVAILABLE": {
        "vi": "Tỷ lệ cấp kết quả giải quyết TTHC điện tử",
        "en": "Electronic results issued",
    },
    "SO_HOA_GIAY_TO_GIAI_QUYET": {
        "vi": "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC",
        "en": "Dossiers and results digitized",
    },
    "REUSED_DIGITIZED_DATA": {
        "vi": "Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa",
        "en": "Digitized data reused",
    },
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": {
        "vi": "Tỷ lệ đồng bộ kho quản lý dữ liệu điện tử của tổ chức, cá nhân trên Cổng DVCQG",
        "en": "Synced with the portal's personal data warehouse",
    },
    "CITIZEN_DATA_CONNECTED_DOSSIER": {
        "vi": "Tỷ lệ hồ sơ có kết nối, sử dụng dữ liệu dân cư",
        "en": "Dossiers using population data",
    },
    "CITIZEN_DATA_CONNECTED_FORMALITY": {
        "vi": "Tỷ lệ TTHC có kết nối, sử dụng dữ liệu dân cư",
        "en": "Procedures using population data",
    },
    "ELECTRONIC_CERTIFIED_COPY": {
        "vi": "Cung cấp dịch vụ chứng thực bản sao điện tử",
        "en": "Electronic certified copies offered",
    },
}

WORDS: dict[str, dict[str, str]] = {
    "title": {"vi": "Chỉ số số hóa hồ sơ", "en": "Digitization indicators"},
    "sign_in": {"vi": "Đăng nhập", "en": "Sign in"},
    "sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "token": {"vi": "Mã truy cập (token)", "en": "Access token"},
    "token_help": {
        "vi": "Dán mã do lệnh reuse-tracker token create cấp.",
        "en": "Paste a token printed by reuse-tracker token create.",
    },
    "bad_token": {
        "vi": "Mã truy cập không hợp lệ hoặc đã bị thu hồi.",
        "en": "The token is invalid or revoked.",
    },
    "bad_form": {
        "vi": "Biểu mẫu đã hết hạn; vui lòng thử lại.",
        "en": "The form expired; please try again.",
    },
    "roots": {"vi": "Đơn vị cấp tỉnh, bộ", "en": "Provinces and ministries"},
    "no_roots": {"vi": "Chưa có đơn vị nào.", "en": "No unit yet."},
    "unit": {"vi": "Đơn vị", "en": "Unit"},
    "name": {"vi": "Tên", "en": "Name"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "code": {"vi": "Mã", "en": "Code"},
    "numerator": {"vi": "Tử số", "en": "Numerator"},
    "denominator": {"vi": "Mẫu số", "en": "Denominator"},
    "ratio": {"vi": "Tỷ lệ", "en": "Ratio"},
    "score": {"vi": "Điểm", "en": "Score"},
    "total": {"vi": "Tổng điểm", "en": "Total score"},
    "lost": {"vi": "Điểm kéo giảm", "en": "Points lost"},
    "lost_help": {
        "vi": "Điểm đơn vị còn thiếu trên 22, nhân với tỷ trọng hồ sơ của đơn vị trong kỳ.",
        "en": "The points the unit misses out of 22, times its share of the dossiers.",
    },
    "of": {"vi": "trên", "en": "of"},
    "children": {"vi": "Đơn vị trực thuộc", "en": "Units below"},
    "no_children": {"vi": "Không có đơn vị trực thuộc.", "en": "No unit below."},
    "period": {"vi": "Kỳ", "en": "Period"},
    "from": {"vi": "Từ ngày", "en": "From"},
    "to": {"vi": "Đến ngày", "en": "To"},
    "apply": {"vi": "Xem", "en": "Show"},
    "this_month": {"vi": "Tháng này", "en": "This month"},
    "this_quarter": {"vi": "Quý này", "en": "This quarter"},
    "year_to_date": {"vi": "Từ đầu năm", "en": "Year to date"},
    "last_year": {"vi": "Năm trước", "en": "Last year"},
    "policy": {"vi": "Mẫu số gồm", "en": "Denominator"},
    "policy_received": {"vi": "hồ sơ tiếp nhận", "en": "dossiers received"},
    "policy_completed": {"vi": "hồ sơ đã giải quyết", "en": "dossiers completed"},
    "policy_result_required": {
        "vi": "hồ sơ cần giấy tờ kết quả",
        "en": "dossiers needing a result document",
    },
    "tab_indicators": {"vi": "Chỉ số", "en": "Indicators"},
    "tab_reuse": {"vi": "Tái sử dụng", "en": "Reuse"},
    "tab_missed": {"vi": "Bỏ lỡ tái sử dụng", "en": "Missed reuse"},
    "tab_trend": {"vi": "Xu hướng 12 tháng", "en": "12-month trend"},
    "download_csv": {"vi": "Tải CSV", "en": "Download CSV"},
    "download_xlsx": {"vi": "Tải Excel", "en": "Download Excel"},
    "explain": {"vi": "Giải thích", "en": "Explanation"},
    "all": {"vi": "Tất cả", "en": "All"},
    "counted": {"vi": "Được tính", "en": "Counted"},
    "not_counted": {"vi": "Không được tính", "en": "Not counted"},
    "reason": {"vi": "Lý do", "en": "Reason"},
    "dossier": {"vi": "Hồ sơ", "en": "Dossier"},
    "procedure": {"vi": "Thủ tục", "en": "Procedure"},
    "received_at": {"vi": "Tiếp nhận", "en": "Received"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "previous": {"vi": "Trang trước", "en": "Previous"},
    "next": {"vi": "Trang sau", "en": "Next"},
    "page": {"vi": "Trang", "en": "Page"},
    "rows": {"vi": "dòng", "en": "rows"},
    "component": {"vi": "Thành phần", "en": "Component"},
    "origin": {"vi": "Nguồn", "en": "Origin"},
    "source": {"vi": "Giấy tờ nguồn", "en": "Source"},
    "source_unit": {"vi": "Đơn vị nguồn", "en": "Source unit"},
    "verified": {"vi": "Đã xác minh", "en": "Verified"},
    "claimed": {"vi": "Chỉ khai báo", "en": "Claimed"},
    "reused_components": {"vi": "Thành phần tái sử dụng", "en": "Reused components"},
    "missed_components": {"vi": "Thành phần số hóa lại", "en": "Components scanned again"},
    "missed_dossiers": {"vi": "Hồ sơ bị ảnh hưởng", "en": "Dossiers affected"},
    "reuse_now": {"vi": "Tái sử dụng hiện tại", "en": "Reuse as computed"},
    "reuse_could": {"vi": "Nếu đã tái sử dụng", "en": "Had they been reused"},
    "scanned_at": {"vi": "Số hóa lúc", "en": "Scanned"},
    "earlier": {"vi": "Giấy tờ đã số hóa trước", "en": "Digitized earlier"},
    "match": {"vi": "Khớp theo", "en": "Match"},
    "month": {"vi": "Tháng", "en": "Month"},
    "trend_total": {"vi": "Tổng điểm theo tháng", "en": "Total score by month"},
    "trend_each": {"vi": "Điểm từng chỉ tiêu theo tháng", "en": "Each indicator by month"},
    "forbidden": {
        "vi": "Mã truy cập này chỉ xem được cây đơn vị {root}; {unit} nằm ngoài.",
        "en": "This token reads only the tree of {root}; {unit} is outside it.",
    },
    "not_found": {"vi": "Không có đơn vị {unit}.", "en": "Unknown unit {unit}."},
    "bad_request": {"vi": "Tham số không hợp lệ", "en": "Invalid parameters"},
    "breadcrumbs": {"vi": "Vị trí", "en": "Location"},
    "language": {"vi": "English", "en": "Tiếng Việt"},
    "account": {"vi": "Ngôn ngữ và phiên làm việc", "en": "Language and session"},
    "sort_by": {"vi": "Sắp xếp theo", "en": "Sort by"},
    "would_have": {
        "vi": "Điểm tái sử dụng đơn vị lẽ ra đạt được",
        "en": "The reuse score the unit would have had",
    },
}


def word(key: str, lang: str, **values: object) -> str:
    """A label in the language, its {placeholders} filled from `values`."""
    return WORDS[key][lang].format(**values)


def translator(lang: str) -> Callable[..., str]:
    """`word` in one language: the templates' `t(key, **values)`."""
    return lambda key, **values: word(key, lang, **values)


def indicator_name(code: str, lang: str) -> str:
    """An indicator's name as the portal shows it (Vietnamese) or in English."""
    return INDICATOR_NAMES.get(code, {}).get(lang, code)


def number(value: float | int | None, lang: str, decimals: int = 2) -> str:
    """A figure with the language's separators: 1.237,50 (vi) or 1,237.50 (en); — for none."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def count(value: int, lang: str) -> str:
    """A whole count: 1.237 (vi) or 1,237 (en)."""
    return number(value, lang, 0)


def percent(value: float | None, lang: str) -> str:
    """A ratio out of 100: 46,97% (vi) or 46.97% (en)."""
    return "—" if value is None else f"{number(value, lang)}%"


def day(value: date, lang: str) -> str:
    """A date as the language writes it: 31/03/2026 (vi) or 2026-03-31 (en)."""
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def instant(text: str | None, lang: str) -> str:
    """An RFC 3339 time shown as date and minute (no conversion: it keeps its offset)."""
    if not text:
        return "—"
    stamp, _, _ = text.partition(".")
    day_part, _, clock = stamp.replace("T", " ").partition(" ")
    try:
        shown = day(date.fromisoformat(day_part[:10]), lang)
    except ValueError:
        return text
    return f"{shown} {clock[:5]}".strip()


# The templates' filters: `{{ value | percent(lang) }}`.
FILTERS: dict[str, Callable[..., str]] = {
    "number": number,
    "count": count,
    "percent": percent,
    "day": day,
    "instant": instant,
}
