// The chunk backend a volume's config names (storage.backend): local, under
// storage.path/chunks, or s3, in a bucket. Used by `serve` (Services) and by
// `init`, which probes a bucket before it writes anything.
#pragma once

#include <memory>

#include "chunk/backend.h"
#include "chunk/s3/credentials.h"
#include "chunk/s3/s3_options.h"
#include "common/config.h"

namespace nasd::cli {

// S3 options for config's storage.s3 section; credentials come from the
// section, else the environment, else the shared credentials file
// (chunk/s3/credentials.h).
Result<chunk::s3::S3Options> S3OptionsFromConfig(const S3Config& s3,
                                                 const chunk::s3::EnvLookup& env = chunk::s3::ProcessEnv);

// The read cache folder of an S3 volume (storage.s3.read_cache > 0).
std::string S3CachePath(const std::string& storage_path);

// Opens the backend of config.storage.backend (with s3, behind the read
// cache when one is configured).
Result<std::unique_ptr<chunk::Backend>> OpenChunkBackend(const Config& config);

// Writes, reads back and deletes a probe object: proves the backend accepts
// writes with these credentials. The error names the step that failed.
Status ProbeBackend(chunk::Backend& backend);

}  // namespace nasd::cli
