// GET and HEAD /downloads/ and /downloads/{name}: what a new VM's startup script fetches to
// install its agent, before it has any credential (docs/api.md, "Downloads"). Directory reads and
// hashing run on the downloads pool, never on the core; the file itself is streamed by the
// network thread from the descriptor opened here.
#include <nlohmann/json.hpp>

#include "manager/api/download_catalog.h"
#include "manager/api/json.h"
#include "manager/api/routes.h"
#include "manager/workers/executor.h"

namespace corral::manager::api {
namespace {

constexpr std::string_view kChecksumSuffix = ".sha256";

HttpResponse index_response(const std::vector<DownloadFile>& files) {
  nlohmann::json list = nlohmann::json::array();
  for (const DownloadFile& f : files) {
    nlohmann::json entry = {{"name", f.name}, {"kind", f.kind}, {"sizeBytes", f.size}, {"sha256", f.sha256}};
    if (!f.os.empty()) entry["os"] = f.os;
    if (!f.arch.empty()) entry["arch"] = f.arch;
    list.push_back(std::move(entry));
  }
  HttpResponse r;
  r.body = nlohmann::json{{"files", std::move(list)}}.dump();
  return r;
}

HttpResponse file_response(DownloadCatalog::Opened opened) {
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("X-Checksum-Sha256", opened.file.sha256);
  r.headers.emplace_back("ETag", "\"" + opened.file.sha256 + "\"");
  r.file = std::move(opened.body);
  return r;
}

// The answer for NAME: the file, or for "<file>.sha256" the line `sha256sum -c` reads, unless a
// file of that very name is there.
Result<HttpResponse> respond(DownloadCatalog& catalog, const std::string& name) {
  if (name.size() > kChecksumSuffix.size() && name.ends_with(kChecksumSuffix)) {
    auto of = catalog.open(std::string_view(name).substr(0, name.size() - kChecksumSuffix.size()));
    if (of.ok()) {
      HttpResponse r;
      r.content_type = "text/plain; charset=utf-8";
      r.body = of->file.sha256 + "  " + of->file.name + "\n";
      return r;
    }
    if (of.status().code() != ErrorCode::not_found) return of.status();
  }
  auto opened = catalog.open(name);
  if (!opened.ok()) return opened.status();
  return file_response(std::move(*opened));
}

void answer_on_worker(workers::Executor& workers, const workers::Liveness& routes, std::string what,
                      std::function<Result<HttpResponse>()> work, Reply reply) {
  workers::JobOptions options;
  options.pool = kDownloadsPool;
  options.what = std::move(what);
  options.receiver = routes.watch();
  workers.submit<HttpResponse>(
      std::move(options), [work = std::move(work)](const workers::CancelToken&) { return work(); },
      [reply = std::move(reply)](Result<HttpResponse> r) {
        reply(r.ok() ? std::move(*r) : status_response(r.status()));
      });
}

}  // namespace

void add_download_routes(Router& router, DownloadCatalog& catalog, workers::Executor& workers) {
  // Answers are delivered while the routes exist (they live as long as the API server).
  auto alive = std::make_shared<workers::Liveness>();
  auto index = [&catalog, &workers, alive](const ApiRequest&, Reply reply) {
    answer_on_worker(
        workers, *alive, "downloads index",
        [&catalog]() -> Result<HttpResponse> {
          auto files = catalog.list();
          if (!files.ok()) return files.status();
          return index_response(*files);
        },
        std::move(reply));
  };
  auto file = [&catalog, &workers, alive](const ApiRequest& r, Reply reply) {
    answer_on_worker(
        workers, *alive, "download", [&catalog, name = r.param("name")] { return respond(catalog, name); },
        std::move(reply));
  };
  // HEAD answers what GET would, headers only (the transport sends no body for it).
  for (const char* method : {"GET", "HEAD"}) {
    router.add_async(method, "/downloads", Access::anyone, index);
    router.add_async(method, "/downloads/{name}", Access::anyone, file);
  }
}

}  // namespace corral::manager::api
