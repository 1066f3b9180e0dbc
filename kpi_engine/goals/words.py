"""The words of scorecards and alerts in the project's language (``language:`` in
kpi.yaml): en, vi, fa, ms, like the catalog's labels. Numbers are formatted by
``kpi_engine.formatting`` rules for the same language."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "on_track": "on track", "at_risk": "at risk", "off_track": "off track",
        "no_target": "no target", "error": "error",
        "kpi": "KPI", "period": "period", "value": "value", "target": "target",
        "expected": "expected", "projection": "projected", "pace": "pace",
        "status": "status", "owner": "owner", "change": "change vs last year",
        "anomaly": "anomaly",
        "reason_projection": "projected {projection} by the end of {period}, "
                             "against a target of {target}",
        "reason_final": "{period} ended at {value}, against a target of {target}",
        "reason_anomaly": "{day}: {value} is {side} the range of the last {n} comparable "
                          "periods ({low} to {high})",
        "above": "above", "below": "below",
        "subject": "KPI alert: {label} is {status}",
        "subject_anomaly": "KPI alert: unusual {label}",
    },
    "vi": {
        "on_track": "đúng tiến độ", "at_risk": "có rủi ro", "off_track": "chệch mục tiêu",
        "no_target": "chưa có mục tiêu", "error": "lỗi",
        "kpi": "KPI", "period": "kỳ", "value": "giá trị", "target": "mục tiêu",
        "expected": "kỳ vọng", "projection": "dự báo", "pace": "tiến độ",
        "status": "trạng thái", "owner": "phụ trách", "change": "thay đổi so với năm trước",
        "anomaly": "bất thường",
        "reason_projection": "dự báo {projection} vào cuối kỳ {period}, so với mục tiêu "
                             "{target}",
        "reason_final": "kỳ {period} kết thúc ở {value}, so với mục tiêu {target}",
        "reason_anomaly": "{day}: {value} nằm {side} khoảng của {n} kỳ tương đương gần nhất "
                          "({low} đến {high})",
        "above": "trên", "below": "dưới",
        "subject": "Cảnh báo KPI: {label} {status}",
        "subject_anomaly": "Cảnh báo KPI: {label} bất thường",
    },
    "fa": {
        "on_track": "در مسیر", "at_risk": "در خطر", "off_track": "خارج از مسیر",
        "no_target": "بدون هدف", "error": "خطا",
        "kpi": "شاخص", "period": "دوره", "value": "مقدار", "target": "هدف",
        "expected": "مورد انتظار", "projection": "پیش‌بینی", "pace": "سرعت",
        "status": "وضعیت", "owner": "مسئول", "change": "تغییر نسبت به پارسال",
        "anomaly": "ناهنجاری",
        "reason_projection": "پیش‌بینی {projection} تا پایان {period}، در برابر هدف {target}",
        "reason_final": "{period} با {value} به پایان رسید، در برابر هدف {target}",
        "reason_anomaly": "{day}: {value} {side} بازهٔ {n} دورهٔ مشابه اخیر است "
                          "({low} تا {high})",
        "above": "بالاتر از", "below": "پایین‌تر از",
        "subject": "هشدار شاخص: {label} {status}",
        "subject_anomaly": "هشدار شاخص: {label} غیرعادی",
    },
    "ms": {
        "on_track": "di landasan", "at_risk": "berisiko", "off_track": "tersasar",
        "no_target": "tiada sasaran", "error": "ralat",
        "kpi": "KPI", "period": "tempoh", "value": "nilai", "target": "sasaran",
        "expected": "dijangka", "projection": "unjuran", "pace": "kadar",
        "status": "status", "owner": "pemilik", "change": "perubahan berbanding tahun lepas",
        "anomaly": "anomali",
        "reason_projection": "unjuran {projection} pada akhir {period}, berbanding sasaran "
                             "{target}",
        "reason_final": "{period} berakhir pada {value}, berbanding sasaran {target}",
        "reason_anomaly": "{day}: {value} berada {side} julat {n} tempoh setanding terakhir "
                          "({low} hingga {high})",
        "above": "di atas", "below": "di bawah",
        "subject": "Amaran KPI: {label} {status}",
        "subject_anomaly": "Amaran KPI: {label} luar biasa",
    },
}


def word(lang: str, key: str, **values: object) -> str:
    text = WORDS.get(lang, WORDS["en"]).get(key) or WORDS["en"][key]
    return text.format(**values) if values else text
