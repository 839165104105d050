"""python -m portsip: the portsip command (see portsip.cli)."""

from .cli import main

raise SystemExit(main())
