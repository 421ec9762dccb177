"""Folders of images (and text) load as media frames, from a pulled ModelKit and over kit://."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from kitops_jupyter import api
from kitops_jupyter.core.unstructured import LazyBytes, MediaFrame
from tests.registry_fixtures import FaultProxy, RegistryServer

KITFILE = """manifestVersion: 1.0.0
package:
  name: pets
datasets:
  - name: images
    path: images
"""


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def project(root: Path) -> dict[str, bytes]:
    files = {
        "images/cat/1.png": png(8, 8, (200, 0, 0)),
        "images/cat/2.png": png(16, 4, (0, 200, 0)),
        "images/dog/1.png": png(4, 4, (0, 0, 200)),
        "images/readme.txt": b"three pets\n",
        "images/.hidden/x.png": png(2, 2, (1, 1, 1)),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "Kitfile").write_text(KITFILE)
    return files


def check(frame: object, files: dict[str, bytes]) -> None:
    assert isinstance(frame, MediaFrame)
    assert list(frame.columns) == ["path", "label", "size", "suffix", "data"]
    assert list(frame["path"]) == ["cat/1.png", "cat/2.png", "dog/1.png", "readme.txt"]
    assert list(frame["label"]) == ["cat", "cat", "dog", ""]
    assert list(frame["suffix"]) == [".png", ".png", ".png", ".txt"]
    assert list(frame["size"]) == [len(files["images/" + p]) for p in frame["path"]]
    lazy = frame["data"].iloc[2]
    assert isinstance(lazy, LazyBytes) and lazy.read() == files["images/dog/1.png"]
    page = frame._repr_html_()
    assert page.count('<img src="data:image/png;base64,') == 3 and "readme.txt" in page
    assert isinstance(frame[frame["label"] == "cat"], MediaFrame)


def publish(tmp_path: Path, registry: RegistryServer, repo_name: str) -> tuple[str, dict[str, bytes]]:
    """Pack and push the image project; the local store keeps nothing of it."""
    files = project(tmp_path / "p")
    ref = f"{registry.registry}/{repo_name}:v1"
    api.pack(tmp_path / "p", tag=ref)
    api.push(ref)
    api.remove(ref)
    return ref, files


def test_image_folder_from_a_pulled_modelkit(
    tmp_path: Path, registry: RegistryServer, repo_name: str
) -> None:
    ref, files = publish(tmp_path, registry, repo_name)
    api.pull(ref)
    check(api.load_dataset(ref), files)


def test_image_folder_over_kit_reads_only_what_is_asked(
    tmp_path: Path, registry: RegistryServer, fault_proxy: FaultProxy, repo_name: str
) -> None:
    _, files = publish(tmp_path, registry, repo_name)
    frame = api.load_dataset(f"kit://{fault_proxy.registry}/{repo_name}:v1/images")
    blob_reads = sum(1 for _, path, _ in fault_proxy.log if "/blobs/" in path)
    assert isinstance(frame, MediaFrame) and len(frame) == 4
    frame["data"].iloc[0].read()
    assert sum(1 for _, path, _ in fault_proxy.log if "/blobs/" in path) == blob_reads + 1  # lazy: one read
    check(frame, files)


def test_preview_of_an_image_folder_has_thumbnails(
    tmp_path: Path, registry: RegistryServer, repo_name: str
) -> None:
    ref, _ = publish(tmp_path, registry, repo_name)
    preview = api.default_kit().preview(ref, "images", rows=3)
    assert preview["kind"] == "media" and preview["dataset"] == "images"
    assert [(f["path"], f["label"]) for f in preview["files"]] == [
        ("cat/1.png", "cat"),
        ("cat/2.png", "cat"),
        ("dog/1.png", "dog"),
    ]
    assert all(f["thumbnail"].startswith("data:image/png;base64,") for f in preview["files"])
