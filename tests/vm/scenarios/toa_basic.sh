#!/bin/bash
# toa.ko makes accept() and getpeername() return the client address that
# the TOA option of the handshake's last packet carries: IPv4 and IPv6
# clients (kinds 254/8, 254/20, 253/20) on IPv4, dual-stack and IPv6
# listeners, and for an unmodified nginx. Without the module the same
# connections show the director's LIP; getsockname() never changes.
#
#  lb   LIP 198.18.11.1, 2001:db8:11::1       toa_client: the director's
#        |                                    side, TOA client
#        | veth                               203.0.113.7:4321 or
#        |                                    [2001:db8:c::7]:4322
#  rs   198.19.0.11, 2001:db8:19::11          toa.ko trusted_sources=LIP nets
#       peer_server :8080 (0.0.0.0) :8081 ([::] dual stack)
#       nginx :8082 (0.0.0.0) :8083 ([::])
#
# @timeout: 300
. /fnat/lib.sh
. /fnat/lib-toa.sh

topo_toa
toa_servers
toa_check_handshakes
