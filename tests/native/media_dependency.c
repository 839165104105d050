/*
 * media_dependency.c - a stand-in for a DLL the SDK imports (portsip_media.dll): test fixture only.
 * tests/windows_dlls.py builds it, and the stub with sdk_with_dependency.c linked against it.
 */
int portsip_test_media_version(void);

int portsip_test_media_version(void) { return 17; }
