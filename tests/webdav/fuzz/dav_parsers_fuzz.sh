# Fuzz spec for dav_parsers_fuzz.cc (tests/fuzz/run_fuzz.sh).
# range.cc and dav_path.cc use http::TrimOws and http::ParseTarget, from
# message.cc and request_parts.cc (which needs random.cc); no Asio or Beast.
SRCS=(src/webdav/{xml,if_header,range,dav_path,timeout}.cc src/http/{message,request_parts}.cc
      src/common/{status,random}.cc)
LIBS=(-lexpat -lfmt)
MAX_LEN=4096

# One seed per parser: the first byte picks it (see LLVMFuzzerTestOneInput).
seeds() {
  local propfind='<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:Z="urn:z"><D:prop><D:getetag/><Z:color xml:lang="en" Z:a="1">red &amp; blue</Z:color></D:prop></D:propfind>'
  printf '\x00%s' "$propfind" > "$1/xml"
  printf '\x01\x40\x04\x08%s' "$propfind" > "$1/xml_tight"
  printf '\x02%s' '</dav/s/a> (<urn:uuid:1> ["e1"]) (Not <urn:uuid:2>) <http://h/dav/s/b/> (["e2"])' > "$1/if_tagged"
  printf '\x02%s' '(<urn:uuid:1>) (Not ["e1"] <DAV:no-lock>)' > "$1/if_untagged"
  printf '\x03d%s' 'bytes=0-4,-5' > "$1/range"
  printf '\x03\x03\x00\x00\x00\x00\x01\x00\x00\x00%s' 'bytes=100-,5-9' > "$1/range_big"
  printf '\x04%s' 'a b/c/' > "$1/path"
  printf '\x05%s' '/dav/s/a%20b/c' > "$1/url"
  printf '\x05%s' 'http://host:8080/dav/s/a%20b/c/?x=1#f' > "$1/url_full"
  printf '\x06%s' 'Second-100, Infinite' > "$1/timeout"
}
