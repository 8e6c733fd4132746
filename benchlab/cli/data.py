"""`benchlab data`: download and convert benchmark data files.

    benchlab data download nb101 [--full] [--url URL] [--sha256 HEX] [--out DIR]
    benchlab data convert nb101 SRC [--out DST]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from benchlab.errors import DataError
from benchlab.paths import data_dir

NB101_BASE_URL = "https://storage.googleapis.com/nasbench/"
# name -> (file, SHA-256, approximate size) as published with NAS-Bench-101
NB101_FILES = {
    "only108": ("nasbench_only108.tfrecord", "4c39c3936e36a85269881d659e44e61a245babcb72cb374eacacf75d0e5f4fd1", "499 MB"),
    "full": ("nasbench_full.tfrecord", "3d64db8180fb1b0207212f9032205064312b6907a3bbc81eabea10db2f5c7e9c", "1.95 GB"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="download and convert benchmark data files")
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    download = actions.add_parser(
        "download",
        help="download a benchmark's official files (resumable, checksum-verified)",
        description="Download the official NAS-Bench-101 file (only108 by default, ~499 MB; --full: all "
        "epoch budgets, ~1.95 GB). An interrupted download resumes when run again.",
    )
    download.add_argument("benchmark", choices=["nb101"])
    download.add_argument("--full", action="store_true", help="the file with epochs 4, 12, 36 and 108 (1.95 GB)")
    download.add_argument("--url", help="another source of the same file: a mirror URL, file:// URL or path")
    download.add_argument("--sha256", help="expected SHA-256 (default: the official file's)")
    download.add_argument("--out", type=Path, help="folder to put it in (default: the data folder)")
    download.add_argument("--quiet", action="store_true", help="no progress bar")
    download.set_defaults(func=_download)

    convert = actions.add_parser(
        "convert",
        help="convert a benchmark's official files into benchlab's table",
        description="Convert an official NAS-Bench-101 .tfrecord into benchlab's HDF5 table.",
    )
    convert.add_argument("benchmark", choices=["nb101"])
    convert.add_argument("src", type=Path, metavar="SRC", help="the .tfrecord file")
    convert.add_argument("--out", type=Path, metavar="DST", help="the .h5 file to write (default: data/nasbench101.h5)")
    convert.add_argument("--quiet", action="store_true", help="no progress bar")
    convert.set_defaults(func=_convert)


def _download(args: argparse.Namespace) -> int:
    from benchlab.io.download import check_destination, check_url, download

    name, sha256, size = NB101_FILES["full" if args.full else "only108"]
    url = args.url or NB101_BASE_URL + name
    out = args.out or data_dir()
    check_url(url)
    check_destination(out)
    if (out / name).is_dir():
        raise DataError(f"{out / name} is a folder, not a file; move it away or choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{out}: cannot create the download folder ({exc.strerror}); choose another --out") from None
    if not args.quiet:
        print(f"fetching {name} (~{size}) from {url}", file=sys.stderr)
    path = download(url, out / name, sha256=args.sha256 or sha256, progress=not args.quiet)
    print(path)
    return 0


def _convert(args: argparse.Namespace) -> int:
    from benchlab.io.nb101_convert import NB101DataWarning, convert_nb101

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NB101DataWarning)
        path = convert_nb101(args.src, args.out, progress=not args.quiet)
    for warning in caught:
        print(f"benchlab: warning: {warning.message}", file=sys.stderr)
    if not args.quiet:
        import h5py

        with h5py.File(path, "r") as table:
            epochs = ", ".join(str(e) for e in table.attrs["epochs"])
            print(
                f"{len(table['hash']):,} cells, epochs {epochs}, {int(table.attrs['repeats'])} repeats, "
                f"from {int(table.attrs['num_records']):,} records",
                file=sys.stderr,
            )
    print(path)
    return 0
