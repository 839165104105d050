"""The SDK's functions, one module per domain; :class:`portsip.PortSIPLib` inherits them all."""
