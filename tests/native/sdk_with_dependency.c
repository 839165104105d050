/*
 * sdk_with_dependency.c - compiled into the stub to make a portsip_sdk.dll that, like the vendor's,
 * imports a DLL shipped beside it (media_dependency.c): Windows must find that DLL to load it.
 */
int portsip_test_media_version(void); /* imported from portsip_media.dll */
int portsip_test_sdk_media_version(void);

int portsip_test_sdk_media_version(void) { return portsip_test_media_version(); }
