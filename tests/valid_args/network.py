"""Valid positional arguments for each public method of portsip/_api/network.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "enable_3gpp_tags": (True,),
    "enable_rport": (True,),
    "set_keep_alive_time": (30,),
    "set_rtp_keep_alive": (True, 126, 30000),
    "set_rtp_port_range": (10000, 10100, 20000, 20100),
    "set_rtcp_port_range": (11001, 11101, 21001, 21101),
    "set_srtp_policy": (2, False),
    "get_nic_nums": (),
    "get_local_ip_address": (1,),
}

#: Methods that take no SDK handle in C: usable before initialize().
WITHOUT_INITIALIZE = {"get_nic_nums", "get_local_ip_address"}
