"""Windows: the SDK's dependent DLLs load from its own folder; failures say what is missing.
(That the wheel's prebuilt libraries work with no compiler is tests/test_packaging.py's.)

The DLLs come from tests/windows_dlls.py: a portsip_sdk.dll (the stub) that imports
portsip_media.dll, as the vendor's SDK imports the DLLs shipped beside it. CI runs this file
under Wine on the official Windows CPython.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import windows_dlls

from portsip import PortSIPLib, _cbuild
from portsip._loader import ENV_VAR
from portsip.events import RecvOutOfDialogMessage, RegisterSuccess

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="Windows DLL loading")

#: A folder name with a space, Latin-1 and non-Latin-1 letters: the loader must use the wide API.
FOLDER = "SDK Ordner ü 電話"


@pytest.fixture(scope="session")
def test_dlls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get(windows_dlls.ENV_DIR)
    if configured:
        return Path(configured)
    try:
        return windows_dlls.build(tmp_path_factory.mktemp("dlls"))
    except _cbuild.BuildError as exc:
        pytest.skip(f"no test DLLs: set ${windows_dlls.ENV_DIR} or install mingw-w64 gcc ({exc})")


def sdk_folder(tmp_path: Path, test_dlls: Path, *names: str) -> Path:
    """A fresh SDK folder holding copies of the named test DLLs."""
    folder = tmp_path / FOLDER
    folder.mkdir()
    for name in names:
        shutil.copy(test_dlls / name, folder / name)
    return folder


def exchange_a_message(library: str) -> None:
    with PortSIPLib(library) as alice, PortSIPLib(library) as bob:
        for lib, user in ((alice, "alice"), (bob, "bob")):
            lib.initialize(local_sip_port=0)
            lib.set_user(user, sip_domain="example.com")
        alice.register_server()
        assert alice.wait_for(RegisterSuccess, timeout=10).status_code == 200
        alice.send_out_of_dialog_message("sip:bob@example.com", "text", "plain", "grüß dich".encode())
        assert bob.wait_for(RecvOutOfDialogMessage, timeout=10).text == "grüß dich"


def load_in_a_new_process(library: str | None, cwd: Path, path: str | None = None) -> str:
    """What a fresh process gets from PortSIPLib(library): Windows resolves a DLL name against the
    DLLs a process already loaded, so each case needs a process of its own.

    Returns the loaded library's path (after exchanging a message on it), or the LibraryLoadError's text.
    """
    code = f"""
import sys
from portsip import LibraryLoadError, PortSIPLib
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_windows import exchange_a_message
try:
    with PortSIPLib({library!r}) as lib:
        print("loaded:", lib.library_path)
        exchange_a_message(lib.library_path)
except LibraryLoadError as exc:
    print("error:", exc)
"""
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    if path is not None:
        env["PATH"] = path
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                            cwd=cwd, env={**env, "PYTHONIOENCODING": "utf-8"}, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_sdk_loads_its_dependencies_from_its_own_folder(tmp_path: Path, test_dlls: Path) -> None:
    folder = sdk_folder(tmp_path, test_dlls, windows_dlls.SDK, windows_dlls.DEPENDENCY)
    assert str(folder) not in os.environ.get("PATH", "")
    assert load_in_a_new_process(str(folder / windows_dlls.SDK), cwd=tmp_path) == f"loaded: {folder / windows_dlls.SDK}"


def test_a_relative_path_is_made_absolute_so_its_folder_is_searched(tmp_path: Path, test_dlls: Path) -> None:
    folder = sdk_folder(tmp_path, test_dlls, windows_dlls.SDK, windows_dlls.DEPENDENCY)
    relative = os.path.join(FOLDER, windows_dlls.SDK)
    assert load_in_a_new_process(relative, cwd=tmp_path) == f"loaded: {folder / windows_dlls.SDK}"


def test_the_default_name_is_found_on_path_with_its_dependencies(tmp_path: Path, test_dlls: Path) -> None:
    folder = sdk_folder(tmp_path, test_dlls, windows_dlls.SDK, windows_dlls.DEPENDENCY)
    path = os.pathsep.join([str(tmp_path / "not there"), str(folder), os.environ["PATH"]])
    assert load_in_a_new_process(None, cwd=tmp_path, path=path) == f"loaded: {folder / windows_dlls.SDK}"


def test_a_missing_dependency_is_named_with_the_sdk_folder(tmp_path: Path, test_dlls: Path) -> None:
    folder = sdk_folder(tmp_path, test_dlls, windows_dlls.SDK)  # portsip_media.dll left out
    message = load_in_a_new_process(str(folder / windows_dlls.SDK), cwd=tmp_path)
    assert f"a DLL it depends on is missing: {windows_dlls.DEPENDENCY} (needed by {windows_dlls.SDK})" in message, message
    assert f"the SDK's folder {folder}" in message, message
    assert "KERNEL32.DLL" not in message.upper(), message  # system DLLs are found where they are


def test_a_dll_for_another_architecture_is_named(tmp_path: Path, test_dlls: Path) -> None:
    folder = sdk_folder(tmp_path, test_dlls, windows_dlls.SDK, windows_dlls.DEPENDENCY)
    media = bytearray((folder / windows_dlls.DEPENDENCY).read_bytes())
    (pe,) = struct.unpack_from("<I", media, 0x3C)
    struct.pack_into("<H", media, pe + 4, 0x014C)  # IMAGE_FILE_MACHINE_I386
    (folder / windows_dlls.DEPENDENCY).write_bytes(media)
    message = load_in_a_new_process(str(folder / windows_dlls.SDK), cwd=tmp_path)
    assert f"{windows_dlls.DEPENDENCY} is built for 32-bit x86, but this Python is 64-bit" in message, message


def test_a_32_bit_sdk_in_a_64_bit_python_is_said_in_words(tmp_path: Path, test_dlls: Path) -> None:
    """What a licensee sees with the x86 SDK in an x64 Python: `portsip doctor` and the load error say it in words."""
    dll = test_dlls / windows_dlls.SDK_32BIT
    if not dll.is_file():
        if os.environ.get(windows_dlls.ENV_DIR):  # CI built the DLLs: this one must be there
            pytest.fail(f"{dll} is missing: .ci/windows.sh builds it with {windows_dlls.MINGW_I686_CC}")
        pytest.skip(f"no 32-bit DLL: needs {windows_dlls.MINGW_I686_CC}")
    if struct.calcsize("P") != 8:
        pytest.skip("a 32-bit Python loads it")
    folder = sdk_folder(tmp_path, test_dlls, windows_dlls.SDK_32BIT)
    result = subprocess.run(
        [sys.executable, "-m", "portsip", "doctor", "--library", str(folder / windows_dlls.SDK_32BIT)],
        capture_output=True, text=True, encoding="utf-8", env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 3, result.stdout + result.stderr
    assert "a 32-bit DLL in a 64-bit Python; use one built for Windows x86_64 (64-bit)" in result.stdout, result.stdout
    assert load_in_a_new_process(str(folder / windows_dlls.SDK_32BIT), cwd=tmp_path).startswith("error: ")
