# Fuzz spec for config_fuzz.cc (tests/fuzz/run_fuzz.sh).
SRCS=(src/common/{config,config_render,schedule_spec,units,status,logging}.cc)
LIBS=(-lyaml-cpp -lfmt -pthread)
MAX_LEN=4096

# The first byte picks the parser: even ParseConfig, odd ParseHostPort.
seeds() {
  printf '\x00%s' 'storage:
  path: /srv/nasd
' > "$1/config_min"
  printf '\x00%s' 'storage:
  path: data
  block_size: 1MiB
  backend: s3
  s3: {endpoint: "http://127.0.0.1:9000", bucket: b, access_key: k, secret_key: s, timeout: 5s}
api: {listen: "127.0.0.1:8080", admin_token: "0123456789abcdef"}
gc: {grace: 1h, interval: 90s}
snapshots:
  visible: true
  schedules:
    - {share: docs, label: hourly, every: 1h, keep: 24}
nfs:
  enabled: true
  exports:
    - {share: docs, networks: [10.0.0.0/8, "::1/128"], access: read-only, squash: all_squash, anonuid: 1000}
smb:
  listen: "[::1]:4450"
  min_protocol: SMB3_00
  shares:
    - {name: Docs, share: docs, guest_ok: true}
log: {level: debug, format: json}
' > "$1/config_full"
  printf '\x01%s' '127.0.0.1:8080' > "$1/hostport"
  printf '\x01%s' '[::1]:0' > "$1/hostport_v6"
}
