"""F5 BIG-IP: bigip.conf files, whole configuration directories and UCS archives as `Device`s.

A BIG-IP keeps its configuration in several files under /config: `bigip.conf` (LTM and APM
objects of /Common), `bigip_base.conf` (network and system), `bigip_gtm.conf`, `bigip_user.conf`,
`profile_base.conf` (the built-in profiles, loaded first) and `partitions/<name>/bigip.conf`
for other administrative partitions. A device is all of them together: `bigip.conf` stands for
the device (`device_root`), and parsing it reads the others found beside it. A UCS archive
(`.ucs`, a gzipped tar of /config and more) is read straight from the archive, in memory.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from linter.model import Device, Diagnostic, Level, Location
from parsers.f5.objects import Config, collect, problem_diagnostic
from parsers.f5.tmsh import split_stanzas
from parsers.f5.virtuals import build_device_objects

VENDOR = "f5"
MAIN_FILE = "bigip.conf"
SIBLINGS = ("bigip_base.conf", "bigip_user.conf", "bigip_gtm.conf")
BASE_FILE = "profile_base.conf"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 200_000
MAX_ARCHIVE_READ = 256 * 1024 * 1024


def _partition_of(name: str) -> str:
    """`partitions/<p>/bigip.conf` holds partition p; every other file /Common."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if len(parts) >= 3 and parts[-3] == "partitions" and parts[-1].startswith("bigip"):
        return parts[-2]
    return "Common"


def _read_sibling(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def device_root(path: Path) -> Path:
    """The `bigip.conf` a device file belongs to, when there is one; else the file itself."""
    if path.name in SIBLINGS + (BASE_FILE,) and (path.parent / MAIN_FILE).is_file():
        return path.parent / MAIN_FILE
    if path.parent.parent.name == "partitions" and (path.parent.parent.parent / MAIN_FILE).is_file():
        return path.parent.parent.parent / MAIN_FILE
    return path


def _device_files(name: str, text: str, directory: Path | None) -> list[tuple[str, str, bool]]:
    """(display name, text, is profile_base.conf) of every file of the device, base first."""
    files: list[tuple[str, str, bool]] = []
    display_dir = PurePosixPath(name.replace("\\", "/")).parent
    is_main = PurePosixPath(name.replace("\\", "/")).name == MAIN_FILE
    if directory is not None and is_main:
        base = _read_sibling(directory / BASE_FILE)
        if base is not None:
            files.append((str(display_dir / BASE_FILE), base, True))
    files.append((name, text, False))
    if directory is not None and is_main:
        for sibling in SIBLINGS:
            content = _read_sibling(directory / sibling)
            if content is not None:
                files.append((str(display_dir / sibling), content, False))
        partitions = directory / "partitions"
        if partitions.is_dir():
            for child in sorted(partitions.iterdir()):
                content = _read_sibling(child / MAIN_FILE)
                if content is not None:
                    files.append((str(display_dir / "partitions" / child.name / MAIN_FILE), content, False))
    return files


def load_config(files: list[tuple[str, str, bool]], diagnostics: list[Diagnostic] | None = None) -> Config:
    """The modelled objects of the files, read together (profile_base.conf first, when present)."""
    config = Config()
    if diagnostics:
        config.diagnostics.extend(diagnostics)
    for file_name, text, is_base in files:
        split = split_stanzas(file_name, text)
        if not is_base:
            config.diagnostics.extend(problem_diagnostic(file_name, problem) for problem in split.problems)
            config.partitions_read.add(_partition_of(file_name))
        collect(config, split.stanzas, _partition_of(file_name), base=is_base)
    return config


def build_device(name: str, files: list[tuple[str, str, bool]], diagnostics: list[Diagnostic] | None = None) -> Device:
    """The device the files describe together."""
    config = load_config(files, diagnostics)
    listeners, pools = build_device_objects(config)
    found, skipped = config.diagnostics, tuple(sorted(config.skipped.items()))
    del config  # the stanzas and statement trees go now: the device keeps none of them
    shown = [diagnostic for diagnostic in found if not _in_base(diagnostic, files)]
    unique = list(dict.fromkeys(shown))
    unique.sort(key=lambda diagnostic: (diagnostic.location.file, diagnostic.location.line))
    return Device(VENDOR, name, tuple(file_name for file_name, _, _ in files), tuple(listeners), tuple(pools), tuple(unique),
                  skipped=skipped)


def _in_base(diagnostic: Diagnostic, files: list[tuple[str, str, bool]]) -> bool:
    """Problems inside profile_base.conf are F5's, not the user's: they are not reported."""
    return any(is_base and diagnostic.location.file == file_name for file_name, _, is_base in files)


def parse(display_name: str, text: str, config_dir: Path | None = None) -> Device:
    """The device a bigip.conf describes, with the files beside it when it is the main file."""
    return build_device(display_name, _device_files(display_name, text, config_dir))


# -- UCS archives ------------------------------------------------------------------------------


def _wanted(member_name: str) -> tuple[str, bool] | None:
    """The configuration path inside a UCS of a member easlint reads, and whether it is the base
    profile file; None for every other member (and for names that try to leave the archive)."""
    parts = [part for part in PurePosixPath(member_name).parts if part not in ("/", ".")]
    if not parts or ".." in parts:
        return None
    if parts[0] != "config":
        return None
    if len(parts) == 2 and parts[1] == BASE_FILE:
        return "/".join(parts), True
    if len(parts) == 2 and parts[1].startswith("bigip") and parts[1].endswith(".conf"):
        return "/".join(parts), False
    if len(parts) == 4 and parts[1] == "partitions" and parts[3].startswith("bigip") and parts[3].endswith(".conf"):
        return "/".join(parts), False
    return None


def _order(entry: tuple[str, str, bool]) -> tuple[int, str]:
    name, _, is_base = entry
    if is_base:
        return 0, name
    if name == "config/" + MAIN_FILE:
        return 1, name
    return 2, name


def parse_archive(display_name: str, path: Path) -> Device:
    """The device a UCS archive holds, read from the archive without extracting anything."""
    import tarfile  # only UCS archives need it

    files: list[tuple[str, str, bool]] = []
    problems: list[Diagnostic] = []
    total = 0
    try:
        with tarfile.open(path, mode="r:*") as archive:
            for count, member in enumerate(archive):
                if count >= MAX_ARCHIVE_MEMBERS:
                    problems.append(_archive_problem(display_name, f"more than {MAX_ARCHIVE_MEMBERS} members: the rest is not read"))
                    break
                wanted = _wanted(member.name)
                if wanted is None or not member.isfile():
                    continue
                if member.size > MAX_FILE_BYTES or total + member.size > MAX_ARCHIVE_READ:
                    problems.append(_archive_problem(display_name, f"{member.name} is too large to read ({member.size} bytes)"))
                    continue
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                data = handle.read(MAX_FILE_BYTES + 1)
                total += len(data)
                files.append((f"{display_name}!{wanted[0]}", data.decode("utf-8", errors="replace"), wanted[1]))
    except (tarfile.TarError, OSError, EOFError) as error:
        problems.append(_archive_problem(display_name, f"not a readable UCS archive (a gzipped tar): {error}"))
    files.sort(key=lambda entry: _order((entry[0].split("!", 1)[1], entry[1], entry[2])))
    if not any(not is_base for _, _, is_base in files) and not problems:
        problems.append(_archive_problem(display_name, "the archive holds no config/bigip*.conf"))
    return build_device(display_name, files, problems)


def _archive_problem(name: str, message: str) -> Diagnostic:
    return Diagnostic("EAS001", Level.ERROR, f"{name}: {message}", Location(name, 1))
