import hashlib
import http.server
import threading

import pytest

from benchlab.errors import DataError
from benchlab.io.download import download

BLOB = bytes(range(256)) * 4096  # 1 MiB
SHA = hashlib.sha256(BLOB).hexdigest()


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves BLOB at /blob.bin with Range support; can cut the first answer short."""

    requests: list = []
    cut_after: int | None = None  # bytes sent before dropping the connection (once)

    def do_GET(self):  # noqa: N802 - the http.server API
        cls = type(self)
        cls.requests.append(self.headers.get("Range"))
        if self.path != "/blob.bin":
            self.send_error(404, "not here")
            return
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].rstrip("-"))
            if start >= len(BLOB):
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(BLOB) - 1}/{len(BLOB)}")
        else:
            self.send_response(200)
        body = BLOB[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cls.cut_after is not None:
            body, cls.cut_after = body[: cls.cut_after], None
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    RangeHandler.requests = []
    RangeHandler.cut_after = None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_with_checksum(server, tmp_path):
    path = download(f"{server}/blob.bin", tmp_path / "b.bin", sha256=SHA, progress=False)
    assert path.read_bytes() == BLOB and not (tmp_path / "b.bin.part").exists()
    assert RangeHandler.requests == [None]


def test_into_a_folder_keeps_the_url_name(server, tmp_path):
    assert download(f"{server}/blob.bin", tmp_path, progress=False) == tmp_path / "blob.bin"


def test_resumes_from_a_partial_file(server, tmp_path):
    (tmp_path / "b.bin.part").write_bytes(BLOB[:300_000])
    path = download(f"{server}/blob.bin", tmp_path / "b.bin", sha256=SHA, progress=False)
    assert path.read_bytes() == BLOB
    assert RangeHandler.requests == ["bytes=300000-"]


def test_an_interrupted_download_resumes_on_the_next_call(server, tmp_path):
    RangeHandler.cut_after = 123_456
    with pytest.raises(DataError, match=r"after 123456 of 1048576 bytes; run the same command again to resume"):
        download(f"{server}/blob.bin", tmp_path / "b.bin", sha256=SHA, progress=False)
    assert (tmp_path / "b.bin.part").stat().st_size == 123_456 and not (tmp_path / "b.bin").exists()
    assert download(f"{server}/blob.bin", tmp_path / "b.bin", sha256=SHA, progress=False).read_bytes() == BLOB
    assert RangeHandler.requests == [None, "bytes=123456-"]


def test_complete_part_file_is_checked_and_kept(server, tmp_path):
    (tmp_path / "b.bin.part").write_bytes(BLOB)  # server answers 416: nothing left
    assert download(f"{server}/blob.bin", tmp_path / "b.bin", sha256=SHA, progress=False).read_bytes() == BLOB


def test_checksum_mismatch_deletes_the_download(server, tmp_path):
    with pytest.raises(DataError, match=f"SHA-256 of the downloaded file is {SHA}, expected 0{{64}}; the partial download was deleted"):
        download(f"{server}/blob.bin", tmp_path / "b.bin", sha256="0" * 64, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_existing_file_with_the_right_checksum_is_not_fetched_again(server, tmp_path):
    (tmp_path / "b.bin").write_bytes(BLOB)
    download(f"{server}/blob.bin", tmp_path / "b.bin", sha256=SHA, progress=False)
    assert RangeHandler.requests == []


def test_http_error_and_unreachable_server(server, tmp_path):
    with pytest.raises(DataError, match=r"/nope\.bin: the server answered HTTP 404"):
        download(f"{server}/nope.bin", tmp_path / "n.bin", progress=False)
    closed = server.rsplit(":", 1)[0] + ":1"  # nothing listens on port 1
    with pytest.raises(DataError, match="cannot reach the server .*check the network connection") as err:
        download(f"{closed}/blob.bin", tmp_path / "n.bin", progress=False)
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_file_url_and_plain_path_sources(tmp_path):
    source = tmp_path / "src" / "blob.bin"
    source.parent.mkdir()
    source.write_bytes(BLOB)
    assert download(source.as_uri(), tmp_path / "a.bin", sha256=SHA, progress=False).read_bytes() == BLOB
    assert download(str(source), tmp_path / "b.bin", sha256=SHA, progress=False).read_bytes() == BLOB
    with pytest.raises(DataError, match="no such file to copy"):
        download(str(tmp_path / "absent.bin"), tmp_path / "c.bin", progress=False)
    with pytest.raises(DataError, match="unsupported URL scheme 'ftp'"):
        download("ftp://example.org/x", tmp_path / "d.bin", progress=False)


def test_existing_file_with_a_wrong_checksum_is_replaced(server, tmp_path):
    (tmp_path / "b.bin").write_bytes(b"stale")
    assert download(f"{server}/blob.bin", tmp_path / "b.bin", sha256=SHA, progress=False).read_bytes() == BLOB
    assert RangeHandler.requests == [None]
