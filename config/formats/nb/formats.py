# Django's Norwegian formats, with the weekday in a meeting's date and time, as the
# English ones have it ("mandag 4. mai 2026, 10:00").
DATETIME_FORMAT = "l j. F Y, H:i"
