"""What `make run` and `make test` need from the system beyond Python, checked before they
start: a missing library is one line that names the Debian packages, not WeasyPrint's
traceback half-way through seeding the demo.

    python -m config.syscheck      exits 1 with that line when something is missing
"""

import contextlib
import io
import sys
from pathlib import Path

# The signed summaries are set in DejaVu Sans (templates/interviews/record_pdf.html); without
# it fontconfig quietly picks another font, so its file is looked for where Debian puts it.
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PANGO_PACKAGES = ["libpango-1.0-0", "libpangoft2-1.0-0"]
FONT_PACKAGES = ["fonts-dejavu-core"]


def missing_packages() -> tuple[list[str], str]:
    """The Debian packages to install, and why (empty when nothing is missing)."""
    packages, reasons = [], []
    # WeasyPrint loads Pango when it is imported and prints a screenful before raising.
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            import weasyprint  # noqa: F401
        except OSError as error:
            packages += PANGO_PACKAGES
            reasons.append(f"WeasyPrint needs Pango ({str(error).splitlines()[0]})")
    if not FONT.exists():
        packages += FONT_PACKAGES
        reasons.append(f"the signed summaries are set in DejaVu Sans ({FONT} is missing)")
    return packages, "; ".join(reasons)


def main() -> int:
    packages, why = missing_packages()
    if not packages:
        return 0
    print(f"{why[0].upper()}{why[1:]}: apt-get install {' '.join(packages)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
