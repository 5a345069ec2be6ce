"""The app's translations: the compiled catalogues beside the source one (DR022), which of them
there are (the Preferences dialog offers them), and installing one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication

I18N = Path(__file__).resolve().parent / "i18n"  # twin_studio.ts, the source catalogue; twin_studio_<lang>.qm
CATALOGUE = "twin_studio"
SOURCE_LANGUAGE = "en"  # the texts in the code: English needs no catalogue


def available_languages(folder: Path = I18N, catalogue: str = CATALOGUE) -> list[str]:
    """The languages the app can show, as locale names: English (the source) and one for each
    compiled catalogue (``twin_studio_de.qm`` → "de")."""
    found = {p.stem[len(catalogue) + 1:] for p in folder.glob(f"{catalogue}_*.qm")}
    return [SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE})]


def language_name(locale_name: str) -> str:
    """A language in its own words ("Deutsch", "português (Brasil)")."""
    locale = QLocale(locale_name)
    name = locale.nativeLanguageName() or locale_name
    if "_" in locale_name and locale.nativeTerritoryName():
        name = f"{name} ({locale.nativeTerritoryName()})"
    return name[:1].upper() + name[1:]


def install_translator(app: QApplication, locale: QLocale | None = None, folder: Path = I18N,
                       catalogue: str = CATALOGUE) -> QTranslator | None:
    """Install the compiled catalogue for ``locale`` (the system's by default), e.g.
    ``twin_studio_de.qm`` or ``twin_studio_pt_BR.qm``, when there is one; else the app stays in
    English (its source texts). Returns the installed translator, kept alive on the app."""
    translator = QTranslator(app)
    if not translator.load(locale or QLocale(), catalogue, "_", str(folder)):
        return None
    app.installTranslator(translator)
    return translator


