"""``websieve lists``: compile URL/domain blocklists, show them, check URLs against them."""

from __future__ import annotations

from pathlib import Path

import click

from websieve.errors import UserError

__all__ = ["lists_group"]


@click.group("lists")
def lists_group() -> None:
    """Compile and inspect the URL/domain blocklists of `lists.url_filter`.

    Lists are CC BY-SA (UT1's, FineWeb's), so websieve ships none: `websieve lists build` compiles your
    copy into a small file in the lists folder ($WEBSIEVE_LISTS, else ~/.local/share/websieve/lists).
    """


def _category_file(value: str, option: str) -> tuple[str, Path]:
    category, sep, path = value.partition("=")
    if not sep or not category or not path:
        raise UserError(
            f"{option} expects CATEGORY=FILE, e.g. {option} gambling=my-casinos.txt; got {value!r}"
        )
    return category, Path(path)


@lists_group.command("build")
@click.argument("target")
@click.option(
    "--fineweb",
    "fineweb",
    type=click.Path(path_type=Path),
    help="FineWeb's lists: datatrove's url_filterblacklistsv0_3_0.tar.gz or a folder holding it "
    "(category 'adult').",
)
@click.option(
    "--ut1", type=click.Path(path_type=Path), help="A UT1 blacklists checkout (its blacklists/ folder)."
)
@click.option(
    "--category",
    "-c",
    "categories",
    multiple=True,
    help="UT1 category to include (repeatable; 'all': every one; `websieve lists categories DIR`).",
)
@click.option("--domains", "domain_files", multiple=True, metavar="CATEGORY=FILE", help="Your own domains.")
@click.option(
    "--urls", "url_files", multiple=True, metavar="CATEGORY=FILE", help="Your own URLs (host/path)."
)
@click.option("--licence", default="unknown", show_default=True, help="Licence of your own files (recorded).")
@click.option("--quiet", "-q", is_flag=True, help="No progress, only the summary.")
def build_cmd(
    target: str,
    fineweb: Path | None,
    ut1: Path | None,
    categories: tuple[str, ...],
    domain_files: tuple[str, ...],
    url_files: tuple[str, ...],
    licence: str,
    quiet: bool,
) -> None:
    """Compile lists into TARGET: a name (saved in the lists folder as NAME.wsbl) or a .wsbl path.

    One file may hold several sources; each source's path, sha256, licence and counts go into its header.

    \b
    Examples:
      websieve lists build fineweb --fineweb ../shared/data/lists/fineweb-url-blocklist
      websieve lists build ut1 --ut1 ../shared/data/lists/ut1-blacklists -c gambling -c dating
      websieve lists build mine.wsbl --domains spam=spam-domains.txt --licence CC0-1.0
    """
    from websieve.steps.lists.domain_list import resolve_list
    from websieve.steps.lists.sources import build_list, file_part, fineweb_parts, ut1_parts

    if categories and ut1 is None:
        raise UserError("--category picks UT1 categories: give --ut1 DIR too")
    if ut1 is not None and not categories:
        raise UserError(
            "--ut1 needs at least one --category (or --category all); see `websieve lists categories`"
        )

    def say(message: str) -> None:
        if not quiet:
            click.echo(f"  {message}", err=True)

    parts = []
    if fineweb is not None:
        say(f"reading {fineweb}")
        parts += fineweb_parts(fineweb)
    if ut1 is not None:
        say(f"reading UT1 categories {', '.join(categories)} of {ut1}")
        parts += ut1_parts(ut1, categories)
    own: dict[str, dict[str, Path]] = {}
    for option, values in (("--domains", domain_files), ("--urls", url_files)):
        for value in values:
            category, path = _category_file(value, option)
            own.setdefault(category, {})[option[2:]] = path
    for category, files in own.items():
        parts.append(
            file_part(category, domains=files.get("domains"), urls=files.get("urls"), licence=licence)
        )
    if not parts:
        raise UserError(
            "nothing to build: give --fineweb DIR, --ut1 DIR --category C, or --domains CATEGORY=FILE"
        )
    report = build_list(parts, resolve_list(target), progress=say)
    click.echo(f"{report.path}: {report.bytes / 1e6:.1f} MB in {report.seconds:.1f} s")
    for category, (domains, urls) in report.counts.items():
        click.echo(f"  {category:24} {domains:>11,} domains {urls:>9,} URLs")
    if report.skipped:
        click.echo(f"  {report.skipped:,} lines skipped (not a domain or URL)")
    for note in report.notes:
        click.echo(f"  note: {note}", err=True)


@lists_group.command("show")
@click.argument("target", required=False)
def show_cmd(target: str | None) -> None:
    """Show a compiled list's categories, counts and sources; without TARGET, the lists in the lists folder.

    \b
    Examples:
      websieve lists show
      websieve lists show fineweb
    """
    from websieve.steps.lists.domain_list import SUFFIX, lists_dir, read_list, resolve_list

    if target is None:
        folder = lists_dir()
        found = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
        click.echo(f"{folder}: {len(found)} list{'s' * (len(found) != 1)}")
        for path in found:
            header = read_list(path).header
            click.echo(
                f"  {path.stem:20} {header['domain_keys']:>11,} domains  {', '.join(header['categories'])}"
            )
        return
    cl = read_list(resolve_list(target))
    h = cl.header
    click.echo(
        f"{cl.path}: {h['domain_keys']:,} domains (websieve {h['websieve']}, list format {h['version']})"
    )
    for name, n in h["counts"].items():
        click.echo(f"  {name:24} {n['domains']:>11,} domains {n['urls']:>9,} URLs")
    for s in h["sources"]:
        click.echo(f"  {s['category']}: {s['domains']:,} domains, {s['urls']:,} URLs ({s['kind']})")
        click.echo(f"    from: {s['origin']}")
        click.echo(f"    licence: {s['licence']}")
        for name, digest in s["sha256"].items():
            click.echo(f"    sha256 {name}: {digest}")


@lists_group.command("categories")
@click.argument("ut1", type=click.Path(path_type=Path))
def categories_cmd(ut1: Path) -> None:
    """List the categories of a UT1 blacklists checkout, with their description.

    \b
    Example:
      websieve lists categories ../shared/data/lists/ut1-blacklists
    """
    from websieve.steps.lists.sources import ut1_categories

    for name, description in ut1_categories(ut1).items():
        click.echo(f"{name:28} {description}")


@lists_group.command("check")
@click.argument("urls", nargs=-1, required=True)
@click.option("--list", "-l", "names", multiple=True, help="Compiled list (name or path; repeatable).")
@click.option(
    "--match", type=click.Choice(["subdomains", "datatrove"]), default="subdomains", show_default=True
)
@click.option("--refinedweb", is_flag=True, help="Also RefinedWeb's URL words.")
def check_cmd(urls: tuple[str, ...], names: tuple[str, ...], match: str, refinedweb: bool) -> None:
    """Say what lists.url_filter decides for URLs, and why.

    \b
    Example:
      websieve lists check -l fineweb https://www.example.com/ https://example.xxx/
    """
    from websieve.document import Document
    from websieve.steps.base import StepContext
    from websieve.steps.lists.url_filter import DomainMatch, UrlFilter, UrlFilterConfig

    step = UrlFilter(UrlFilterConfig(lists=names, match=DomainMatch(match), refinedweb_words=refinedweb))
    step.setup()
    for url in urls:
        ctx = StepContext.standalone()
        doc = Document(id=url, url=url, text="")
        kept = step.apply(doc, ctx) is not None
        signals = doc.annotations.get(step.step_id, {})
        detail = ", ".join(f"{k}={v}" for k, v in signals.items())
        if kept:
            click.echo(f"kept     {url}  {detail}")
        else:
            row = ctx.ledger.rows[-1]
            why = f"{row.rule}={row.value}" + (f" ({row.threshold})" if row.threshold else "")
            click.echo(f"dropped  {url}  {why}; {detail}")
