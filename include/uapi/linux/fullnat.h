/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * fullnat: generic netlink ABI between fullnat.ko and lbctl.
 *
 * This header is the specification of the wire interface. The kernel module
 * and lbctl both include it; nothing else defines these numbers.
 *
 * Family
 * ------
 * Generic netlink family FULLNAT_GENL_NAME, version FULLNAT_GENL_VERSION.
 * Every network namespace is its own director: a request acts on the
 * namespace of the socket that sent it. Every command, including the read
 * only ones, requires CAP_NET_ADMIN in the initial user namespace
 * (GENL_ADMIN_PERM, as IPVS): a director holds kernel memory for every
 * client's connection, which root of an unprivileged user namespace must
 * not be able to claim, so such a namespace gets EPERM for everything.
 *
 * Requests are validated strictly: an unknown attribute, a wrong length or a
 * value out of range is rejected with an extended-ACK message naming the
 * attribute, and nothing is changed. A command either applies whole or not
 * at all.
 *
 * Conventions
 * -----------
 * Addresses are NLA_BINARY of exactly 4 (IPv4) or 16 (IPv6) bytes, in
 * network byte order; the length gives the family. Ports are NLA_U16 in
 * host byte order. Counters are NLA_U64. Dumps carry a generation number
 * and are marked NLM_F_DUMP_INTR when the table changed during the dump.
 *
 * Commands
 * --------
 * FULLNAT_CMD_GET_INFO (doit)
 *   Request: nothing.
 *   Reply:
 *     FULLNAT_A_INFO_VERSION       string, module version
 *     FULLNAT_A_INFO_ABI           u32, FULLNAT_GENL_VERSION of the module
 *     FULLNAT_A_INFO_NETNS_COOKIE  u64, identifies the namespace
 *     FULLNAT_A_INFO_SERVICES      u32, number of virtual services
 *     FULLNAT_A_INFO_REAL_SERVERS  u32, number of real servers
 *     FULLNAT_A_INFO_CONNS         u32, connections in the table
 *     FULLNAT_A_INFO_CONN_MAX      u32, configured table bound
 *     FULLNAT_A_INFO_COUNTERS      nest: FULLNAT_CNT_* -> u64 (drops, errors
 *                                  and TOA outcomes of this namespace)
 *     FULLNAT_A_INFO_GENERATION    u64, the configuration generation: see
 *                                  "Generation" below
 *   and what the module can do, for a tool to check a request against
 *   before it sends one (each list a nest of FULLNAT_A_LIST_ENTRY):
 *     FULLNAT_A_INFO_FORWARDS      u32, bit 1 << FULLNAT_FWD_* set for each
 *                                  forwarding method implemented
 *     FULLNAT_A_INFO_PROTOCOLS     nest of u8 IPPROTO_*, the protocols a
 *                                  service may have
 *     FULLNAT_A_INFO_FAMILIES      nest of u16 AF_*, the address families
 *                                  of services, real servers and LIPs
 *     FULLNAT_A_INFO_SCHEDULERS    nest of strings, the schedulers
 *                                  registered, as FULLNAT_A_SVC_SCHED
 *                                  names them
 *     FULLNAT_A_INFO_FULLNAT64     flag: an IPv6 service takes IPv4 real
 *                                  servers forwarded by FullNAT (with an
 *                                  IPv4 LIP); absent, a real server has
 *                                  its service's family
 *
 * FULLNAT_CMD_GET_CONFIG (doit) / FULLNAT_CMD_SET_CONFIG (doit)
 *   FULLNAT_A_CFG_* attributes; SET changes those present, GET returns all.
 *     FULLNAT_A_CFG_CONN_MAX       u32, 1..2^24, bound of the table
 *     FULLNAT_A_CFG_PORT_MIN       u16, 1..65535 } local port range,
 *     FULLNAT_A_CFG_PORT_MAX       u16, 1..65535 } default 1024-65535
 *     FULLNAT_A_CFG_EXPIRE_NODEST  u8 0/1: deleting a real server expires
 *                                  its connections at once (1) or lets
 *                                  them finish (0, default)
 *     FULLNAT_A_CFG_EXPIRE_QUIESCENT u8 0/1: a real server's weight set
 *                                  to 0 drops the persistence templates
 *                                  that send clients to it (1), or they
 *                                  keep doing so (0, default, as IPVS's
 *                                  expire_quiescent_template)
 *     FULLNAT_A_CFG_TIMEOUT_TCP    nest: the idle timeout of each TCP
 *                                  state, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_*)
 *                                  -> u32 seconds, 1..2^22; the state NONE
 *                                  is a SYN forwarded and not yet answered
 *                                  by the real server
 *     FULLNAT_A_CFG_TIMEOUT_UDP    nest: the same for UDP's states,
 *                                  FULLNAT_A_TIMEOUT(FULLNAT_UDP_S_*):
 *                                  NORMAL, a stream's idle timeout (default
 *                                  300 s), UNREPLIED, a connection's until
 *                                  it is a stream (default 30 s)
 *   Inside a timeout nest, a state's attribute is its number plus one
 *   (FULLNAT_A_TIMEOUT()), so each protocol's nest grows with its states.
 *   SET changes the states present in the nests it gets.
 *
 * FULLNAT_CMD_NEW_SERVICE / SET_SERVICE / DEL_SERVICE (doit)
 * FULLNAT_CMD_GET_SERVICE (dumpit, or doit with a service key)
 *   FULLNAT_A_SERVICE nest:
 *     FULLNAT_A_SVC_PROTOCOL   u8, IPPROTO_TCP or IPPROTO_UDP    } key
 *     FULLNAT_A_SVC_ADDR       binary 4/16, the VIP               } key
 *     FULLNAT_A_SVC_PORT       u16, 1..65535                      } key
 *     FULLNAT_A_SVC_FORWARD    u8, FULLNAT_FWD_*, the method of real
 *                              servers added without one
 *     FULLNAT_A_SVC_SCHED      string, scheduler name: "rr", "wrr", "wlc",
 *                              "lc", "sed", "nq" (as IPVS's), "sh" (source
 *                              hash), "dh" (destination hash), "mh"
 *                              (weighted Maglev)
 *     FULLNAT_A_SVC_TOA        u8 0/1, insert TOA (FullNAT TCP), default 1
 *     FULLNAT_A_SVC_STATS      nest of FULLNAT_A_STATS_* (replies only)
 *     FULLNAT_A_SVC_REAL_SERVERS u32 (replies only)
 *     FULLNAT_A_SVC_SCHED_OPTS nest: options of the hashing schedulers
 *                              (others ignore them); NEW defaults those
 *                              absent, SET keeps them; replies hold all
 *       FULLNAT_A_SCHED_OPT_PORT  u8 0/1: sh and mh hash the client's
 *                              port with its address (default 0)
 *       FULLNAT_A_SCHED_OPT_TABLE u32: sh, dh, mh table size, one of
 *                              FULLNAT_SCHED_TABLE_SIZES (default 65537)
 *     FULLNAT_A_SVC_PERSIST_TIMEOUT u32 seconds, 0..FULLNAT_PERSIST_TIMEOUT_MAX:
 *                              client affinity; a client (address under
 *                              the netmask) keeps its real server while
 *                              its last new connection is younger than
 *                              this. 0: off (default)
 *     FULLNAT_A_SVC_PERSIST_NETMASK u32 prefix length of the client address
 *                              that persistence keys on: IPv4 1..32
 *                              (default 32). A change drops the templates
 *     FULLNAT_A_SVC_PERSIST_TEMPLATES u32, templates held (replies only)
 *   NEW requires the key, FORWARD and SCHED; SET requires the key and
 *   changes what is present; DEL requires the key and removes the service
 *   with its real servers (their connections finish or expire as
 *   FULLNAT_A_CFG_EXPIRE_NODEST says).
 *
 * FULLNAT_CMD_NEW_DEST / SET_DEST / DEL_DEST (doit)
 * FULLNAT_CMD_GET_DEST (dumpit: the real servers of one service)
 *   FULLNAT_A_SERVICE nest with the service key, and
 *   FULLNAT_A_DEST nest:
 *     FULLNAT_A_DEST_ADDR      binary 4/16                        } key
 *     FULLNAT_A_DEST_PORT      u16, 1..65535                      } key
 *     FULLNAT_A_DEST_WEIGHT    u32, 0..65535; 0 quiesces (no new
 *                              connections, existing ones go on); default 1
 *     FULLNAT_A_DEST_FORWARD   u8, FULLNAT_FWD_*: how connections to this
 *                              real server are forwarded; absent on NEW:
 *                              the service's method. Replies carry it
 *                              always. New connections follow a change,
 *                              existing ones keep theirs.
 *     FULLNAT_A_DEST_ACTIVE    u32, active connections (replies): TCP
 *                              from the first SYN through ESTABLISHED, as
 *                              IPVS counts them
 *     FULLNAT_A_DEST_INACTIVE  u32, other connections (replies): closing
 *                              TCP, and all UDP
 *     FULLNAT_A_DEST_STATS     nest of FULLNAT_A_STATS_* (replies)
 *
 * FULLNAT_CMD_NEW_LADDR / DEL_LADDR (doit), FULLNAT_CMD_GET_LADDR (dumpit)
 *   FULLNAT_A_LADDR nest:
 *     FULLNAT_A_LADDR_ADDR     binary 4/16                        key
 *     FULLNAT_A_LADDR_PORTS_IN_USE u32 (replies)
 *     FULLNAT_A_LADDR_CONNS    u64, connections ever given this address
 *     FULLNAT_A_LADDR_CONFLICTS u64, ports tried that were taken
 *     FULLNAT_A_LADDR_EXHAUSTED u64, times no port was free
 *   The local addresses (LIPs) form one pool per director (namespace),
 *   shared by all its FullNAT services. A deleted address takes no new
 *   connections; existing ones keep it until they end.
 *
 * FULLNAT_CMD_GET_CONN (dumpit): the connection table.
 *   FULLNAT_A_CONN nest:
 *     FULLNAT_A_CONN_PROTOCOL  u8
 *     FULLNAT_A_CONN_CADDR / _CPORT   client
 *     FULLNAT_A_CONN_VADDR / _VPORT   virtual service
 *     FULLNAT_A_CONN_LADDR / _LPORT   local address (FullNAT)
 *     FULLNAT_A_CONN_DADDR / _DPORT   real server
 *     FULLNAT_A_CONN_STATE     u8, the state in the protocol's own enum:
 *                              FULLNAT_TCP_S_* for TCP, FULLNAT_UDP_S_*
 *                              for UDP; read it with FULLNAT_A_CONN_PROTOCOL
 *     FULLNAT_A_CONN_EXPIRES   u32, seconds left
 *     FULLNAT_A_CONN_FORWARD   u8, FULLNAT_FWD_* (its real server's)
 *     FULLNAT_A_CONN_FLAGS     u32, FULLNAT_CONN_F_*: NODATA, a one-way
 *                              TCP connection established by the
 *                              client's bare ACK, which keeps the
 *                              SYN_RECV timeout until the client sends
 *                              payload
 *     FULLNAT_A_CONN_CSEQ_END / _CSEQ_WIN / _CSEQ_WSCALE   TCP, when the
 *     FULLNAT_A_CONN_SSEQ_END / _SSEQ_WIN / _SSEQ_WSCALE   director knows
 *                              them: per direction (C the client's, S the
 *                              real server's) the highest sequence number
 *                              sent + length (u32), the largest window
 *                              field (u16, unscaled) and the window scale
 *                              its SYN announced (u8, 0-14, 255 none);
 *                              the six together or none (an imported
 *                              connection that has not yet seen the
 *                              client's sequence has none)
 *     FULLNAT_A_CONN_RS_ISN    u32, TCP: the real server's initial
 *                              sequence number, when the director saw
 *                              its SYN-ACK
 *
 * FULLNAT_CMD_NEW_CONN (doit): add a connection copied from another
 *   director's table (its GET_CONN entry), so that this director carries
 *   the client's direction of it once a router sends the client's packets
 *   here (a drain handoff: docs/cluster.md). FULLNAT_A_CONN nest:
 *     FULLNAT_A_CONN_PROTOCOL, _CADDR, _CPORT, _VADDR, _VPORT, _DADDR,
 *     _DPORT, _STATE, _FORWARD   required, as GET_CONN has them
 *     FULLNAT_A_CONN_LADDR, _LPORT   required for FullNAT, refused for
 *                              the other methods
 *     FULLNAT_A_CONN_CPORT     may be 0 (a UDP client may send from it)
 *     FULLNAT_A_CONN_EXPIRES   optional: the connection expires after
 *                              its state's timeout or these seconds,
 *                              whichever comes first
 *     FULLNAT_A_CONN_FLAGS     optional, NODATA only (TCP ESTABLISHED)
 *     the sequence attributes and _RS_ISN   optional, TCP, as GET_CONN
 *                              has them: the six together or none
 *   The service (protocol, VIP, port) must exist here, the real server be
 *   one of its own with the same forwarding method, every address of one
 *   family, none of the real server's or service's missing (-ENOENT).
 *   The client address must be one a client can have (not 0/8, loopback,
 *   multicast, 240/4, broadcast, IPv6 link-local or mapped, nor any
 *   address of this director). FullNAT: the local address must NOT be
 *   one of this director's (a VIP, a LIP of its pool or any local
 *   address), nor the client's or the real server's: the connection keeps the
 *   other director's LIP:lport, through which the real server's replies
 *   still reach that director; this one never takes or frees a port of
 *   its own pool for it. NAT connections are refused (EINVAL). TCP:
 *   the state is ESTABLISHED, FIN_WAIT, CLOSE_WAIT or LAST_ACK (the
 *   handshake is over: nothing else would complete it here); UDP: any.
 *   The connection counts against conn_max and the global bound as a new
 *   one (early drop included, -ENOSPC when none gives way). One whose
 *   client side or real-server side tuple is in the table already:
 *   -EEXIST, nothing changed. The imported connection is tracked on the
 *   client's packets alone (as DR's), the real server's ones it may
 *   forward moving nothing, and gets no TOA (the real server has its
 *   socket). With the sequence attributes its window is the other
 *   director's; without them (an older module's listing) it learns the
 *   client's sequence from the client's ACKs, and no RST or FIN closes it
 *   until a packet with payload has confirmed where that is. It does not
 *   change the configuration generation.
 *
 * FULLNAT_CMD_DEL_CONN (doit): delete connections now, as if each had
 *   timed out: its real server's count and its local port are given back
 *   at once, and the next packet of its flow finds none (docs/conn.md
 *   has what follows): a TCP client's packet other than a SYN is dropped
 *   (not_syn), but under DR or TUN with a consistent scheduler (mh) it
 *   opens a new connection, as any such ACK does; a UDP client's next
 *   datagram opens a new connection, scheduled afresh (another real
 *   server, FullNAT's LIP and port, may be picked): the flow is moved,
 *   not broken. A real server's packet to a LIP is a stray's (dropped),
 *   unless the LIP is a local address of the director, whose stack then
 *   answers it (TCP: a RST; UDP: port unreachable); a NAT server's, or
 *   its ICMP error, is nat_stray's (dropped). Without FULLNAT_A_CONN, or with
 *   an empty one, every connection of the namespace; else those that
 *   match all the filters its nest gives:
 *     FULLNAT_A_CONN_PROTOCOL, _VADDR, _VPORT   the service: the three
 *                              together
 *     FULLNAT_A_CONN_DADDR, _DPORT   the real server: the two together
 *     FULLNAT_A_CONN_CADDR, _CPORT   the client, with the service (one
 *                              connection, and the closing one its client
 *                              started over from, if any); _CPORT may be 0
 *   Addresses as everywhere (4 or 16 bytes, unicast), all of one family;
 *   any other attribute of the nest, or at the top level but
 *   FULLNAT_A_CONN, is refused (-EINVAL), nothing deleted. The service
 *   and the real server need not exist any more (their connections
 *   outlive them until they end). The reply carries FULLNAT_A_DELETED,
 *   u32, how many this request deleted (0 is no error). Persistence
 *   templates are left as they are. Not a configuration write: no
 *   generation.
 *
 * FULLNAT_CMD_GET_TEMPLATE (dumpit): the persistence templates of every
 *   service, or of the one a FULLNAT_A_SERVICE nest with its key names
 *   (-ENOENT if there is none); any other attribute but
 *   FULLNAT_A_GENERATION is refused (-EINVAL). Expired templates not yet collected are
 *   left out. FULLNAT_A_TEMPLATE nest:
 *     FULLNAT_A_TMPL_PROTOCOL  u8           } the service
 *     FULLNAT_A_TMPL_VADDR / _VPORT         }
 *     FULLNAT_A_TMPL_CADDR     binary 4/16, the client address under the
 *                              netmask: the template's key
 *     FULLNAT_A_TMPL_NETMASK   u8, the service's prefix length
 *     FULLNAT_A_TMPL_DADDR / _DPORT   the real server it sends clients to
 *     FULLNAT_A_TMPL_CONNS     u32, connections it has sent there (the
 *                              one that made it included): a template
 *                              does not track them once sent
 *     FULLNAT_A_TMPL_EXPIRES   u32, seconds left; the next connection of
 *                              one of its clients sets it to the timeout
 *   The dump is marked NLM_F_DUMP_INTR when the configuration changed or a
 *   table was resized under it (a template may then be missing or shown
 *   twice). It resumes by a place in a table, as the connection dump does:
 *   templates made or expired between two of its messages may also be
 *   missed or shown twice without the mark (a list of live state, never a
 *   snapshot).
 *
 * Generation
 * ----------
 * Every configuration write that succeeds (SET_CONFIG, NEW/SET/DEL_SERVICE,
 * NEW/SET/DEL_DEST, NEW/DEL_LADDR) adds exactly one to the namespace's
 * generation, which GET_INFO reports (starting at 0 when the namespace
 * gets its director); a refused request adds nothing. A request may carry
 * top-level FULLNAT_A_GENERATION, u64, the generation it expects: if the
 * namespace's is another, some other writer changed the configuration
 * since the state the request was built from was read, and the request is
 * refused with -ESTALE (extended ACK: "the configuration changed...")
 * before anything changes. A tool that makes several writes reads the
 * generation first, then the state, and sends G, G + 1, G + 2, ... on its
 * writes: the first write after another writer's fails, and the tool
 * stops instead of mixing its changes with the other's. Requests without
 * it are not checked, nor are reads (GET_*), which change nothing.
 *
 * Lists (FULLNAT_A_INFO_PROTOCOLS, ...) are nests whose entries are all
 * FULLNAT_A_LIST_ENTRY, in no particular order.
 *
 * New commands and attributes are only ever added at the end of their
 * enums, so that numbers already shipped never change meaning.
 */
#ifndef _UAPI_LINUX_FULLNAT_H
#define _UAPI_LINUX_FULLNAT_H

#define FULLNAT_GENL_NAME	"fullnat"
#define FULLNAT_GENL_VERSION	1

#define FULLNAT_SCHED_NAME_MAX	16	/* with the terminating NUL */

enum fullnat_cmd {
	FULLNAT_CMD_UNSPEC,
	FULLNAT_CMD_GET_INFO,
	FULLNAT_CMD_GET_CONFIG,
	FULLNAT_CMD_SET_CONFIG,
	FULLNAT_CMD_NEW_SERVICE,
	FULLNAT_CMD_SET_SERVICE,
	FULLNAT_CMD_DEL_SERVICE,
	FULLNAT_CMD_GET_SERVICE,
	FULLNAT_CMD_NEW_DEST,
	FULLNAT_CMD_SET_DEST,
	FULLNAT_CMD_DEL_DEST,
	FULLNAT_CMD_GET_DEST,
	FULLNAT_CMD_NEW_LADDR,
	FULLNAT_CMD_DEL_LADDR,
	FULLNAT_CMD_GET_LADDR,
	FULLNAT_CMD_GET_CONN,
	FULLNAT_CMD_GET_TEMPLATE,
	FULLNAT_CMD_NEW_CONN,
	FULLNAT_CMD_DEL_CONN,
	__FULLNAT_CMD_MAX
};
#define FULLNAT_CMD_MAX (__FULLNAT_CMD_MAX - 1)

/* Top-level attributes of every command. */
enum fullnat_attr {
	FULLNAT_A_UNSPEC,
	FULLNAT_A_SERVICE,	/* nest: FULLNAT_A_SVC_* */
	FULLNAT_A_DEST,		/* nest: FULLNAT_A_DEST_* */
	FULLNAT_A_LADDR,	/* nest: FULLNAT_A_LADDR_* */
	FULLNAT_A_CONN,		/* nest: FULLNAT_A_CONN_* */
	FULLNAT_A_CONFIG,	/* nest: FULLNAT_A_CFG_* */
	FULLNAT_A_INFO,		/* nest: FULLNAT_A_INFO_* */
	FULLNAT_A_GENERATION,	/* u64: the generation a write expects */
	FULLNAT_A_TEMPLATE,	/* nest: FULLNAT_A_TMPL_* */
	FULLNAT_A_DELETED,	/* u32: connections DEL_CONN deleted */
	__FULLNAT_A_LAST
};
#define FULLNAT_A_MAX (__FULLNAT_A_LAST - 1)

enum fullnat_info_attr {
	FULLNAT_A_INFO_UNSPEC,
	FULLNAT_A_INFO_PAD,
	FULLNAT_A_INFO_VERSION,
	FULLNAT_A_INFO_ABI,
	FULLNAT_A_INFO_NETNS_COOKIE,
	FULLNAT_A_INFO_SERVICES,
	FULLNAT_A_INFO_REAL_SERVERS,
	FULLNAT_A_INFO_CONNS,
	FULLNAT_A_INFO_CONN_MAX,
	FULLNAT_A_INFO_COUNTERS,	/* nest: FULLNAT_CNT_* -> u64 */
	FULLNAT_A_INFO_FORWARDS,	/* u32: 1 << FULLNAT_FWD_* */
	FULLNAT_A_INFO_PROTOCOLS,	/* list of u8 IPPROTO_* */
	FULLNAT_A_INFO_FAMILIES,	/* list of u16 AF_* */
	FULLNAT_A_INFO_SCHEDULERS,	/* list of strings */
	FULLNAT_A_INFO_GENERATION,	/* u64: configuration generation */
	FULLNAT_A_INFO_FULLNAT64,	/* flag: IPv4 real servers of IPv6 services */
	__FULLNAT_A_INFO_LAST
};
#define FULLNAT_A_INFO_MAX (__FULLNAT_A_INFO_LAST - 1)

/*
 * Per-namespace counters: why packets were dropped or passed on untouched,
 * and what happened to TOA. Attribute numbers inside
 * FULLNAT_A_INFO_COUNTERS.
 */
enum fullnat_counter {
	FULLNAT_CNT_UNSPEC,
	FULLNAT_CNT_PAD,
	FULLNAT_CNT_CONN_LIMIT,		/* new connection refused: table full */
	FULLNAT_CNT_NO_DEST,		/* new connection refused: no usable RS */
	FULLNAT_CNT_NO_LADDR,		/* refused: no local address configured */
	FULLNAT_CNT_NO_PORT,		/* refused: every (LIP, lport) taken */
	FULLNAT_CNT_NOMEM,		/* refused or dropped: allocation failed */
	FULLNAT_CNT_NOT_SYN,		/* no connection and not a SYN: dropped */
	FULLNAT_CNT_MALFORMED,		/* truncated or bad headers: dropped */
	FULLNAT_CNT_NO_ROUTE,		/* no route to RS or client: dropped */
	FULLNAT_CNT_TTL,		/* TTL expired (ICMP time exceeded sent) */
	FULLNAT_CNT_FRAG_NEEDED,	/* too big with DF (ICMP sent) */
	FULLNAT_CNT_XMIT_ERR,		/* transmit or rewrite failed */
	FULLNAT_CNT_TOA_INSERTED,	/* TOA written into a packet */
	FULLNAT_CNT_TOA_NO_ROOM,	/* TOA skipped: 40 option bytes used */
	FULLNAT_CNT_TOA_NO_MTU,		/* TOA skipped: packet would exceed MTU */
	FULLNAT_CNT_TOA_ERR,		/* TOA skipped: packet not writable */
	FULLNAT_CNT_MSS_LOWERED,	/* SYN-ACK MSS lowered for TOA */
	FULLNAT_CNT_ICMP_XLATED,	/* ICMP error of a connection translated */
	FULLNAT_CNT_ICMP_DROPPED,	/* ICMP error of a connection unusable */
	FULLNAT_CNT_CONN_REUSED,	/* SYN replaced a closing connection */
	FULLNAT_CNT_GLOBAL_LIMIT,	/* refused: all namespaces' bound reached */
	FULLNAT_CNT_EARLY_DROP,		/* unestablished connection dropped for a new one */
	FULLNAT_CNT_TOA_STRIPPED,	/* client's own TOA-kind options NOPed */
	FULLNAT_CNT_TCPOPT_DROPPED,	/* client TCP options unparseable: dropped */
	FULLNAT_CNT_TOA_GSO,		/* TOA skipped: GRO packet cannot grow */
	FULLNAT_CNT_OUT_OF_WINDOW,	/* forwarded, no state change: seq/ack off */
	FULLNAT_CNT_BAD_FLAGS,		/* invalid TCP flag combination: dropped */
	FULLNAT_CNT_MARTIAN,		/* SYN from an impossible source: dropped */
	FULLNAT_CNT_STRAY,		/* unmatched, to a non-local VIP/LIP */
	FULLNAT_CNT_REPLY_CLASH,	/* refused (NAT): its reply tuple is taken */
	FULLNAT_CNT_NAT_STRAY,		/* from (or an ICMP error about a packet to)
					 * a NAT RS, of no connection: dropped */
	FULLNAT_CNT_PERSIST_FULL,	/* no template kept: templates at conn_max */
	FULLNAT_CNT_XLAT_DROPPED,	/* FullNAT64: not translatable (an ICMP error
					 * but "too big", UDP without checksum) */
	FULLNAT_CNT_TFO_STRIPPED,	/* TCP Fast Open option NOPed from a TOA
					 * connection's SYN */
	__FULLNAT_CNT_LAST
};
#define FULLNAT_CNT_MAX (__FULLNAT_CNT_LAST - 1)

/* The entries of a list (a nest): all of this one type. */
enum fullnat_list_attr {
	FULLNAT_A_LIST_UNSPEC,
	FULLNAT_A_LIST_ENTRY,
	__FULLNAT_A_LIST_LAST
};
#define FULLNAT_A_LIST_MAX (__FULLNAT_A_LIST_LAST - 1)

enum fullnat_config_attr {
	FULLNAT_A_CFG_UNSPEC,
	FULLNAT_A_CFG_CONN_MAX,
	FULLNAT_A_CFG_PORT_MIN,
	FULLNAT_A_CFG_PORT_MAX,
	FULLNAT_A_CFG_EXPIRE_NODEST,
	FULLNAT_A_CFG_TIMEOUT_TCP,	/* nest: FULLNAT_A_TIMEOUT(TCP state) */
	FULLNAT_A_CFG_TIMEOUT_UDP,	/* nest: FULLNAT_A_TIMEOUT(UDP state) */
	FULLNAT_A_CFG_EXPIRE_QUIESCENT,
	__FULLNAT_A_CFG_LAST
};
#define FULLNAT_A_CFG_MAX (__FULLNAT_A_CFG_LAST - 1)
/*
 * The attribute of a state's timeout in its protocol's timeout nest: the
 * state's number plus one (attribute 0 is never used).
 */
#define FULLNAT_A_TIMEOUT(state)	((state) + 1)
#define FULLNAT_CONN_MAX_LIMIT		(1U << 24)
#define FULLNAT_TIMEOUT_MAX		(1U << 22)	/* seconds, ~48 days */

/* Forwarding methods of a service or real server. */
enum fullnat_forward {
	FULLNAT_FWD_FULLNAT,
	FULLNAT_FWD_NAT,
	FULLNAT_FWD_DR,
	FULLNAT_FWD_TUN,
	__FULLNAT_FWD_LAST
};
#define FULLNAT_FWD_MAX (__FULLNAT_FWD_LAST - 1)

/*
 * The states of a connection, as FULLNAT_A_CONN_STATE reports them and the
 * timeout nests number them: each protocol has its own enum.
 */

/* TCP */
enum fullnat_tcp_state {
	FULLNAT_TCP_S_NONE,
	FULLNAT_TCP_S_SYN_RECV,		/* client SYN seen */
	FULLNAT_TCP_S_ESTABLISHED,	/* handshake complete */
	FULLNAT_TCP_S_FIN_WAIT,		/* client sent FIN */
	FULLNAT_TCP_S_CLOSE_WAIT,	/* real server sent FIN */
	FULLNAT_TCP_S_LAST_ACK,		/* both sent FIN */
	FULLNAT_TCP_S_TIME_WAIT,	/* both FINs acknowledged */
	FULLNAT_TCP_S_CLOSE,		/* reset */
	__FULLNAT_TCP_S_LAST
};
#define FULLNAT_TCP_S_MAX (__FULLNAT_TCP_S_LAST - 1)
#define FULLNAT_A_TIMEOUT_TCP_MAX FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_MAX)

/*
 * UDP: no handshake; a connection ends when idle. It is UNREPLIED (the
 * short timeout) until it is a stream: answered, then more datagrams.
 * States are only appended: their numbers never change.
 */
enum fullnat_udp_state {
	FULLNAT_UDP_S_NORMAL,		/* a stream: answered, then more */
	FULLNAT_UDP_S_UNREPLIED,	/* no answer yet, or answered but young */
	__FULLNAT_UDP_S_LAST
};
#define FULLNAT_UDP_S_MAX (__FULLNAT_UDP_S_LAST - 1)
#define FULLNAT_A_TIMEOUT_UDP_MAX FULLNAT_A_TIMEOUT(FULLNAT_UDP_S_MAX)

enum fullnat_service_attr {
	FULLNAT_A_SVC_UNSPEC,
	FULLNAT_A_SVC_PAD,
	FULLNAT_A_SVC_PROTOCOL,
	FULLNAT_A_SVC_ADDR,
	FULLNAT_A_SVC_PORT,
	FULLNAT_A_SVC_FORWARD,
	FULLNAT_A_SVC_SCHED,
	FULLNAT_A_SVC_TOA,
	FULLNAT_A_SVC_STATS,
	FULLNAT_A_SVC_REAL_SERVERS,
	FULLNAT_A_SVC_SCHED_OPTS,	/* nest: FULLNAT_A_SCHED_OPT_* */
	FULLNAT_A_SVC_PERSIST_TIMEOUT,
	FULLNAT_A_SVC_PERSIST_NETMASK,
	FULLNAT_A_SVC_PERSIST_TEMPLATES,
	__FULLNAT_A_SVC_LAST
};
#define FULLNAT_A_SVC_MAX (__FULLNAT_A_SVC_LAST - 1)
#define FULLNAT_PERSIST_TIMEOUT_MAX	604800	/* seconds, a week */

enum fullnat_dest_attr {
	FULLNAT_A_DEST_UNSPEC,
	FULLNAT_A_DEST_PAD,
	FULLNAT_A_DEST_ADDR,
	FULLNAT_A_DEST_PORT,
	FULLNAT_A_DEST_WEIGHT,
	FULLNAT_A_DEST_ACTIVE,
	FULLNAT_A_DEST_INACTIVE,
	FULLNAT_A_DEST_STATS,
	FULLNAT_A_DEST_FORWARD,
	__FULLNAT_A_DEST_LAST
};
#define FULLNAT_A_DEST_MAX (__FULLNAT_A_DEST_LAST - 1)
#define FULLNAT_WEIGHT_MAX	65535
#define FULLNAT_SVC_DESTS_MAX	4096	/* real servers of one service */

/* Traffic statistics of a service or real server. */
enum fullnat_stats_attr {
	FULLNAT_A_STATS_UNSPEC,
	FULLNAT_A_STATS_PAD,
	FULLNAT_A_STATS_CONNS,		/* connections scheduled */
	FULLNAT_A_STATS_INPKTS,		/* client -> real server */
	FULLNAT_A_STATS_OUTPKTS,	/* real server -> client */
	FULLNAT_A_STATS_INBYTES,
	FULLNAT_A_STATS_OUTBYTES,
	__FULLNAT_A_STATS_LAST
};
#define FULLNAT_A_STATS_MAX (__FULLNAT_A_STATS_LAST - 1)

enum fullnat_laddr_attr {
	FULLNAT_A_LADDR_UNSPEC,
	FULLNAT_A_LADDR_PAD,
	FULLNAT_A_LADDR_ADDR,
	FULLNAT_A_LADDR_PORTS_IN_USE,
	FULLNAT_A_LADDR_CONNS,
	FULLNAT_A_LADDR_CONFLICTS,
	FULLNAT_A_LADDR_EXHAUSTED,
	__FULLNAT_A_LADDR_LAST
};
#define FULLNAT_A_LADDR_MAX (__FULLNAT_A_LADDR_LAST - 1)

enum fullnat_conn_attr {
	FULLNAT_A_CONN_UNSPEC,
	FULLNAT_A_CONN_PROTOCOL,
	FULLNAT_A_CONN_CADDR,
	FULLNAT_A_CONN_CPORT,
	FULLNAT_A_CONN_VADDR,
	FULLNAT_A_CONN_VPORT,
	FULLNAT_A_CONN_LADDR,
	FULLNAT_A_CONN_LPORT,
	FULLNAT_A_CONN_DADDR,
	FULLNAT_A_CONN_DPORT,
	FULLNAT_A_CONN_STATE,
	FULLNAT_A_CONN_EXPIRES,
	FULLNAT_A_CONN_FORWARD,
	FULLNAT_A_CONN_FLAGS,
	FULLNAT_A_CONN_CSEQ_END,
	FULLNAT_A_CONN_CSEQ_WIN,
	FULLNAT_A_CONN_CSEQ_WSCALE,
	FULLNAT_A_CONN_SSEQ_END,
	FULLNAT_A_CONN_SSEQ_WIN,
	FULLNAT_A_CONN_SSEQ_WSCALE,
	FULLNAT_A_CONN_RS_ISN,
	__FULLNAT_A_CONN_LAST
};
#define FULLNAT_A_CONN_MAX (__FULLNAT_A_CONN_LAST - 1)

/* FULLNAT_A_CONN_FLAGS */
#define FULLNAT_CONN_F_NODATA	(1U << 0)

enum fullnat_tmpl_attr {
	FULLNAT_A_TMPL_UNSPEC,
	FULLNAT_A_TMPL_PROTOCOL,
	FULLNAT_A_TMPL_VADDR,
	FULLNAT_A_TMPL_VPORT,
	FULLNAT_A_TMPL_CADDR,
	FULLNAT_A_TMPL_NETMASK,
	FULLNAT_A_TMPL_DADDR,
	FULLNAT_A_TMPL_DPORT,
	FULLNAT_A_TMPL_CONNS,
	FULLNAT_A_TMPL_EXPIRES,
	__FULLNAT_A_TMPL_LAST
};
#define FULLNAT_A_TMPL_MAX (__FULLNAT_A_TMPL_LAST - 1)

/* Options of the hashing schedulers, in FULLNAT_A_SVC_SCHED_OPTS. */
enum fullnat_sched_opt_attr {
	FULLNAT_A_SCHED_OPT_UNSPEC,
	FULLNAT_A_SCHED_OPT_PORT,
	FULLNAT_A_SCHED_OPT_TABLE,
	__FULLNAT_A_SCHED_OPT_LAST
};
#define FULLNAT_A_SCHED_OPT_MAX (__FULLNAT_A_SCHED_OPT_LAST - 1)
/*
 * The table sizes sh, dh and mh accept: primes (Maglev's permutation
 * needs one). The default, 65537, is the Maglev paper's (IPVS's mh takes
 * 4093 by default): with 100 slots per server or more, servers of equal
 * weight get shares within about 1% of each other. Each entry costs 4
 * bytes. A table needs at least one slot per server with a weight.
 */
#define FULLNAT_SCHED_TABLE_SIZES	{ 251, 509, 1021, 2039, 4093, 8191, \
					  16381, 32749, 65521, 65537, \
					  131071, 262139 }
#define FULLNAT_SCHED_TABLE_DEFAULT	65537

#endif /* _UAPI_LINUX_FULLNAT_H */
