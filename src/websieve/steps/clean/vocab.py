"""Vocabularies the line cleaner recognises: icon-font ligature names and user-interface phrases.

Icon fonts (Material Icons, Material Symbols) draw an icon for a *word*: a naive extractor keeps the word and
glues it to the label next to it ("folder_openMoyen Orient", "starAJOUTER AUX FAVORIS"). `find_ligatures`
finds those names; `ui_phrase` and `has_ui_words` recognise navigation and widget labels in the languages
the web mostly writes in. They are signals for the line model, never rules on their own.

>>> [(m.name, m.kind) for m in find_ligatures("folder_openMoyen Orient access_time depuis 6 années")]
[('folder_open', <IconKind.CATEGORY: 'category'>), ('access_time', <IconKind.DATE: 'date'>)]
>>> ui_phrase("AJOUTER AUX FAVORIS"), ui_phrase("Le chat dort.")
(True, False)
"""

from __future__ import annotations

import bisect
import enum
import itertools
import re
from dataclasses import dataclass

__all__ = [
    "UI_CUES",
    "UI_FIRST_WORDS",
    "IconKind",
    "Ligature",
    "find_ligatures",
    "has_ui_words",
    "label_words",
    "ligature_hits",
    "strip_ligatures",
    "ui_candidate",
    "ui_phrase",
    "ui_prefix",
    "ui_signals",
]


class IconKind(enum.Enum):
    """What an icon next to a label says about the label."""

    CATEGORY = "category"
    DATE = "date"
    AUTHOR = "author"
    TAG = "tag"
    COMMENTS = "comments"
    OTHER = "other"


_ICONS: dict[IconKind, tuple[str, ...]] = {
    IconKind.CATEGORY: ("folder_open", "folder", "category", "label", "label_outline", "bookmark", "topic"),
    IconKind.DATE: (
        "access_time",
        "access_time_filled",
        "schedule",
        "event",
        "calendar_today",
        "calendar_month",
        "date_range",
        "today",
        "query_builder",
        "watch_later",
        "update",
        "history",
        "event_note",
        "timer",
    ),
    IconKind.AUTHOR: ("person", "person_outline", "account_circle", "account_box", "face", "edit", "create"),
    IconKind.TAG: ("local_offer", "sell", "tag", "loyalty", "turned_in", "turned_in_not"),
    IconKind.COMMENTS: (
        "comment",
        "comments",
        "chat_bubble",
        "chat_bubble_outline",
        "mode_comment",
        "insert_comment",
        "forum",
        "question_answer",
        "chat",
    ),
    IconKind.OTHER: (
        "star",
        "star_border",
        "star_outline",
        "star_half",
        "favorite",
        "favorite_border",
        "bookmark_border",
        "visibility",
        "remove_red_eye",
        "share",
        "print",
        "mail",
        "mail_outline",
        "email",
        "phone",
        "call",
        "home",
        "search",
        "menu",
        "close",
        "clear",
        "arrow_forward",
        "arrow_back",
        "arrow_forward_ios",
        "arrow_back_ios",
        "arrow_upward",
        "arrow_downward",
        "arrow_drop_down",
        "arrow_drop_up",
        "arrow_right",
        "arrow_left",
        "keyboard_arrow_right",
        "keyboard_arrow_left",
        "keyboard_arrow_down",
        "keyboard_arrow_up",
        "chevron_right",
        "chevron_left",
        "expand_more",
        "expand_less",
        "navigate_next",
        "navigate_before",
        "more_vert",
        "more_horiz",
        "play_arrow",
        "play_circle_outline",
        "play_circle_filled",
        "pause",
        "send",
        "info",
        "info_outline",
        "notifications",
        "thumb_up",
        "thumb_down",
        "reply",
        "link",
        "launch",
        "open_in_new",
        "place",
        "location_on",
        "room",
        "shopping_cart",
        "add_shopping_cart",
        "lock",
        "lock_open",
        "filter_none",
        "file_download",
        "cloud_download",
        "attach_file",
        "language",
        "public",
        "trending_up",
        "whatshot",
        "new_releases",
        "library_books",
        "description",
        "check",
        "check_circle",
        "cancel",
        "add",
        "remove",
        "volume_up",
        "fullscreen",
        "photo_camera",
        "camera_alt",
        "videocam",
        "headset",
        "rss_feed",
        "business_center",
        "account_balance",
        "flight_takeoff",
        "local_phone",
        "smartphone",
        "apps",
        "dashboard",
        "settings",
        "login",
        "logout",
        "exit_to_app",
    ),
}
_KIND_OF: dict[str, IconKind] = {name: kind for kind, names in _ICONS.items() for name in names}
# A ligature name is recognised when it stands at a word start and is either an underscore name followed by
# anything but a lower-case letter, or a plain word glued to an upper-case letter, digit or quote
# ("starAJOUTER", "homeAccueil"): "star" or "home" followed by a space is just a word. Two cheap patterns
# find candidates; the name table decides.
_UNDERSCORE_NAME = re.compile(r"(?<![\w-])([a-z]+(?:_[a-z]+)+)(?![a-z_])")
_GLUED_NAME = re.compile(r"(?<![\w.-])([a-z]{3,})(?=[A-Z0-9«À-ÖØ-Þ])")


@dataclass(frozen=True, slots=True)
class Ligature:
    name: str
    kind: IconKind
    start: int
    end: int


def find_ligatures(line: str) -> list[Ligature]:
    """Icon-font ligature names in ``line``, in order."""
    out = []
    if "_" in line:
        out = [
            Ligature(name=m[1], kind=_KIND_OF[m[1]], start=m.start(), end=m.end())
            for m in _UNDERSCORE_NAME.finditer(line)
            if m[1] in _KIND_OF
        ]
    out += [
        Ligature(name=m[1], kind=_KIND_OF[m[1]], start=m.start(), end=m.end())
        for m in _GLUED_NAME.finditer(line)
        if m[1] in _KIND_OF
    ]
    return sorted(out, key=lambda lig: lig.start) if len(out) > 1 else out


def strip_ligatures(line: str) -> str:
    """``line`` without its ligature names (for reading the label; the text itself is never rewritten).

    >>> strip_ligatures("folder_openMoyen Orient")
    'Moyen Orient'
    """
    ligatures = find_ligatures(line)
    for lig in reversed(ligatures):
        line = line[: lig.start] + line[lig.end :]
    return line.strip()


# Whole-line labels of navigation, sharing and account widgets (lower case, punctuation and digits
# stripped), comma-separated.
_UI_LINES = """
home, menu, search, share, tweet, print, email, e mail, comments, comment, reply, login, log in, logout,
log out, sign in, sign up, sign out, register, subscribe, newsletter, read more, more, next, previous, prev,
back, back to top, top, related, related articles, related posts, related stories, tags, tag, categories,
category, archives, archive, contact, contact us, about, about us, privacy, privacy policy, terms,
terms of use, terms of service, cookies, cookie policy, accept, accept all, ok, close, skip to content,
skip to main content, skip navigation, follow us, like, likes, loading, please wait, noscript,
advertisement, sponsored, recommended, popular, trending, most read, latest news, sections, subscribe now,
watch, listen, download, facebook, twitter, linkedin, instagram, youtube, pinterest, whatsapp, reddit,
telegram, xing, tumblr, rss, rss feed, sitemap, help, faq, jobs, careers, shop, cart, my account, account,
profile, settings, language, english, show more, see more, view all, see all, load more, leave a reply,
leave a comment, post comment, submit, send, cancel, copy link, copied, print this page, add to favorites,
add to favourites, bookmark, save, share this, share on facebook, share on twitter, previous article,
next article, previous post, next post, you may also like, you might also like,
accueil, rechercher, recherche, partager, imprimer, commentaires, commentaire, répondre, connexion,
se connecter, déconnexion, inscription, s inscrire, s abonner, abonnez vous, lire la suite, lire plus,
suivant, précédent, retour, haut de page, articles similaires, à lire aussi, a lire aussi, lire aussi,
voir aussi, suivez nous, mentions légales, politique de confidentialité, nous contacter, plan du site,
publicité, ajouter aux favoris, favoris, envoyer, fermer, menu principal, en savoir plus,
tous les articles,
startseite, suche, suchen, teilen, drucken, kommentare, kommentar, antworten, anmelden, abmelden,
registrieren, abonnieren, newsletter abonnieren, weiterlesen, mehr lesen, mehr, zurück, weiter, nach oben,
impressum, datenschutz, datenschutzerklärung, kontakt, agb, cookie einstellungen, alle akzeptieren,
akzeptieren, ähnliche beiträge, ähnliche artikel, das könnte sie auch interessieren, kommentar verfassen,
teile dies, teilen mit, gefällt mir, hauptmenü, zum inhalt wechseln, zum inhalt springen, navigation,
menü schließen, beitragsnavigation, vorherige, nächste, anzeige, werbung,
inicio, buscar, búsqueda, compartir, imprimir, comentarios, comentario, responder, iniciar sesión,
cerrar sesión, registrarse, suscríbete, suscribirse, leer más, ver más, siguiente, anterior,
volver arriba, aviso legal, política de privacidad, política de cookies, contacto, publicidad,
noticias relacionadas, te puede interesar, síguenos, etiquetas, categorías,
home page, cerca, condividi, stampa, commenti, rispondi, accedi, registrati, iscriviti, leggi di più,
leggi tutto, successivo, precedente, torna su, contatti, pubblicità, articoli correlati, seguici,
início, pesquisar, partilhar, compartilhar, comentários, entrar, cadastre se, assine, leia mais, próximo,
voltar ao topo, contato, notícias relacionadas, siga nos,
strona główna, szukaj, udostępnij, drukuj, komentarze, komentarz, odpowiedz, zaloguj się, wyloguj,
zarejestruj się, subskrybuj, czytaj więcej, więcej, następny, poprzedni, do góry, reklama,
polityka prywatności, regulamin, podobne artykuły, zobacz także, obserwuj nas,
zoeken, delen, afdrukken, reacties, reageer, inloggen, uitloggen, registreren, abonneren, lees meer, meer,
volgende, vorige, terug naar boven, privacybeleid, adverteren, gerelateerde artikelen, volg ons,
zurück zur startseite, externer inhalt, schlagwörter, stichwörter, themen, lesen sie auch, lesen sie hier,
mehr zum thema, das könnte dich auch interessieren, auch interessant, weitere artikel, weitere beiträge,
temas relacionados, le puede interesar, también te puede interesar, lea también, más noticias,
read also, see also, more on this topic, more from, you may be interested in, recommended for you,
more stories, top stories, further reading, about the author, share this article, share this post,
sur le même sujet, dans la même rubrique, à voir aussi, nos articles, les plus lus, dernières actualités,
leggi anche, potrebbe interessarti, veja também, leia também, zobacz też, czytaj także, najnowsze,
news, world, business, sport, sports, weather, politics, economy, culture, science, tech, technology,
health, opinion, entertainment, lifestyle, travel, local, national, international, video, videos, photos,
podcasts, newsletters, obituaries, classifieds, events, blog, forum,
actualités, monde, politique, économie, société, sciences, santé, météo, faits divers, international,
nachrichten, politik, wirtschaft, kultur, wissen, gesundheit, wetter, panorama, regional, meinung,
noticias, deportes, política, economía, mundo, sociedad, opinión, salud, tecnología,
wiadomości, sport, polityka, gospodarka, kultura, świat, pogoda
"""
_UI_SET: frozenset[str] = frozenset(
    " ".join(p.split()) for p in _UI_LINES.replace("\n", " ").split(",") if p.strip()
)


_WORD = re.compile(r"[^\W\d_]+")


def label_words(line: str) -> list[str]:
    """The lower-cased letter runs of a line: the key interface vocabularies are looked up by."""
    return _WORD.findall(line.lower())


def ui_phrase(line: str, words: list[str] | None = None) -> bool:
    """Whether the whole line (case, digits and punctuation aside) is a known interface label.

    ``words`` (`label_words` of the line) saves tokenising it again.
    """
    if words is None:
        words = label_words(line)
    if not words:
        return False
    if " ".join(words) in _UI_SET:
        return True
    if "_" not in line and line.lstrip()[:1].isupper():
        return False  # no ligature can hide in it
    stripped = strip_ligatures(line)
    return stripped != line.strip() and " ".join(label_words(stripped)) in _UI_SET


def ui_prefix(line: str, words: list[str] | None = None) -> bool:
    """Whether the line *starts* with an interface label followed by more ("Lesen Sie auch: …").

    >>> ui_prefix("Lesen Sie hier: Spielabbruch in der Kreisliga"), ui_prefix("Lesen ist schön.")
    (True, False)
    """
    if words is None:
        words = label_words(line[:60])
    for n in (4, 3, 2, 1):
        if len(words) > n and " ".join(words[:n]) in _UI_SET:
            return n > 1 or ":" in line[:40]
    return False


# Widget, legal and sharing vocabulary found *inside* a line: single words and word pairs.
_UI_KEYWORDS = frozenset(
    (
        "cookie", "cookies", "javascript", "newsletter", "subscribe", "login", "partager", "abonnez",
        "inscrivez", "teilen", "weiterlesen", "abonnieren", "anmelden", "kommentar", "kommentare",
        "datenschutz", "impressum", "compartir", "suscríbete", "suscribirse", "comentarios", "condividi",
        "iscriviti", "udostępnij", "komentarz", "komentarze", "menu", "menü", "tagged",
    )
)  # fmt: skip
_UI_PAIRS = frozenset(
    (
        "rights reserved", "droits réservés", "rechte vorbehalten", "derechos reservados", "sign up",
        "log in",
        "share this", "share on", "follow us", "read more", "click here", "posted in", "posted by",
        "posted on", "filed under", "leave a", "email address", "required fields", "skip to", "lire la",
        "la suite", "suivez nous", "leer más", "leggi tutto", "czytaj więcej",
    )
)  # fmt: skip


def has_ui_words(line: str, words: list[str] | None = None) -> bool:
    """Whether the line contains a widget, legal or sharing phrase (a weaker signal than `ui_phrase`).

    >>> has_ui_words("Share this: Facebook"), has_ui_words("The cat sleeps.")
    (True, False)
    """
    if "©" in line:
        return True
    if words is None:
        words = label_words(line)
    if any(map(_UI_KEYWORDS.__contains__, words)):
        return True
    return 1 < len(words) <= 40 and not _UI_PAIRS.isdisjoint(map(" ".join, itertools.pairwise(words)))


UI_FIRST_WORDS = frozenset(p.split()[0] for p in _UI_SET)
"""The first words of the whole-line interface phrases."""
# a line can hold an interface phrase, keyword or pair only if it starts with a phrase's first word or
# holds a keyword or a pair's first word (a sixth of a page's lines, where any word of any phrase would
# let a third through: phrases have "the" and "la")
UI_CUES = _UI_KEYWORDS | frozenset(p.split()[0] for p in _UI_PAIRS)
"""The interface keywords and the first words of the interface word pairs."""


def ui_candidate(words: list[str]) -> bool:
    """Whether a line whose `label_words` are ``words`` can have any `ui_signals` (its copyright sign
    aside): when not, all three are False without looking closer.

    >>> ui_candidate(["read", "more", "about", "it"]), ui_candidate(["the", "cat", "sleeps"])
    (True, False)
    """
    return bool(words) and (words[0] in UI_FIRST_WORDS or not UI_CUES.isdisjoint(words))


def ligature_hits(lines: list[str], among: list[int]) -> list[int]:
    """The indices in ``among`` of the ``lines`` that hold an icon ligature (the names `find_ligatures`
    finds), from one pass of each pattern over those lines joined by newlines.

    >>> ligature_hits(["Home", "folder_openMoyen Orient", "le chat"], [1, 2])
    [1]
    """
    if not among:
        return []
    chosen = [lines[i] for i in among]
    starts = list(itertools.accumulate((len(t) + 1 for t in chosen[:-1]), initial=0))
    text = "\n".join(chosen)
    found: set[int] = set()
    for pattern in (_UNDERSCORE_NAME, _GLUED_NAME):
        for m in pattern.finditer(text):
            if m[1] in _KIND_OF:
                found.add(among[bisect.bisect_right(starts, m.start()) - 1])
    return sorted(found)


def ui_signals(line: str, words: list[str], *, ligature: bool) -> tuple[bool, bool, bool]:
    """`ui_phrase`, `has_ui_words` and `ui_prefix` of ``line`` at once (``words``: its `label_words`;
    ``ligature``: whether it holds an icon ligature), with a fast answer for the lines that hold no
    interface word at all.

    >>> ui_signals("Lire la suite", ["lire", "la", "suite"], ligature=False)
    (True, True, False)
    """
    if not words:
        return False, "©" in line, False
    if ligature:
        return ui_phrase(line, words), has_ui_words(line, words), len(words) <= 25 and ui_prefix(line, words)
    if not ui_candidate(words):
        return False, "©" in line, False
    return (
        " ".join(words) in _UI_SET,
        has_ui_words(line, words),
        len(words) <= 25 and words[0] in UI_FIRST_WORDS and ui_prefix(line, words),
    )
