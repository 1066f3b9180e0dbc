"""The words of the report page in the four languages the catalog is labelled in.

Metric labels come from the specs; these are the page's own words (headings, captions,
status names, the catalog's domains)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "KPI report", "period": "Period", "vs_previous": "vs previous period",
        "vs_last_year": "vs same period last year", "target": "Target", "status": "Status",
        "benchmarks": "Benchmarks from the source articles", "lineage": "Lineage",
        "breakdown": "Breakdown", "drivers": "Drivers", "no_value": "no value",
        "error": "could not be evaluated", "generated": "Generated", "last_periods":
        "last 12 periods", "on_track": "on track", "at_risk": "at risk",
        "off_track": "off track", "kpis": "KPIs", "more": "more",
    },
    "vi": {
        "title": "Báo cáo KPI", "period": "Kỳ", "vs_previous": "so với kỳ trước",
        "vs_last_year": "so với cùng kỳ năm trước", "target": "Mục tiêu",
        "status": "Trạng thái", "benchmarks": "Chuẩn so sánh từ các bài viết nguồn",
        "lineage": "Nguồn gốc", "breakdown": "Phân tích", "drivers": "Yếu tố tác động",
        "no_value": "không có giá trị", "error": "không tính được", "generated": "Tạo lúc",
        "last_periods": "12 kỳ gần nhất", "on_track": "đúng tiến độ",
        "at_risk": "có rủi ro", "off_track": "chệch hướng", "kpis": "KPI",
        "more": "khác",
    },
    "fa": {
        "title": "گزارش شاخص‌های کلیدی عملکرد", "period": "دوره",
        "vs_previous": "نسبت به دورهٔ قبل", "vs_last_year": "نسبت به دورهٔ مشابه سال قبل",
        "target": "هدف", "status": "وضعیت", "benchmarks": "معیارها از مقاله‌های منبع",
        "lineage": "تبار", "breakdown": "تفکیک", "drivers": "محرک‌ها",
        "no_value": "بدون مقدار", "error": "محاسبه نشد", "generated": "تهیه‌شده در",
        "last_periods": "۱۲ دورهٔ اخیر", "on_track": "در مسیر", "at_risk": "در خطر",
        "off_track": "خارج از مسیر", "kpis": "شاخص", "more": "دیگر",
    },
    "ms": {
        "title": "Laporan KPI", "period": "Tempoh", "vs_previous": "berbanding tempoh lepas",
        "vs_last_year": "berbanding tempoh sama tahun lepas", "target": "Sasaran",
        "status": "Status", "benchmarks": "Penanda aras daripada artikel sumber",
        "lineage": "Salasilah", "breakdown": "Pecahan", "drivers": "Pemacu",
        "no_value": "tiada nilai", "error": "tidak dapat dinilai", "generated": "Dijana",
        "last_periods": "12 tempoh terakhir", "on_track": "di landasan",
        "at_risk": "berisiko", "off_track": "tersasar", "kpis": "KPI", "more": "lagi",
    },
}

DOMAINS: dict[str, dict[str, str]] = {
    "sales": {"en": "Sales", "vi": "Bán hàng", "fa": "فروش", "ms": "Jualan"},
    "marketing": {"en": "Marketing", "vi": "Tiếp thị", "fa": "بازاریابی", "ms": "Pemasaran"},
    "customer_service": {"en": "Customer service", "vi": "Chăm sóc khách hàng",
                         "fa": "خدمات مشتری", "ms": "Khidmat pelanggan"},
    "production": {"en": "Production", "vi": "Sản xuất", "fa": "تولید", "ms": "Pengeluaran"},
    "project_management": {"en": "Project management", "vi": "Quản lý dự án",
                           "fa": "مدیریت پروژه", "ms": "Pengurusan projek"},
    "b2b": {"en": "B2B", "vi": "B2B", "fa": "B2B", "ms": "B2B"},
}


def text(lang: str, key: str) -> str:
    return TEXTS.get(lang, TEXTS["en"]).get(key) or TEXTS["en"][key]


def domain_label(domain: str, lang: str) -> str:
    names = DOMAINS.get(domain)
    if names is None:
        return domain.replace("_", " ").capitalize()
    return names.get(lang) or names["en"]
