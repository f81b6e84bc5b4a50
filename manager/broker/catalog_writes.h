// The store side of the broker's catalog writes: each runs inside one unit of work and reads the
// row back, so the broker applies exactly what was committed. Typed refusals come back as a
// CatalogOutcome; only a failing store is a Status error. Run wherever the store executor runs
// work (the core for SQLite, the store thread otherwise): they touch nothing but the store.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "manager/broker/catalog_outcome.h"
#include "manager/store/store.h"

namespace corral::broker::catalog {

template <typename Record>
using Written = Result<CatalogOutcome<Record>>;

// Runs `work(repos, out)` in one unit of work; a refusal it records rolls back what it wrote.
template <typename Record, typename Work>
Written<Record> in_unit_of_work(store::Store& s, Work work) {
  CatalogOutcome<Record> out;
  Status st = s.unit_of_work([&](store::Repositories& repos) -> Status {
    if (Status w = work(repos, out); !w.ok()) return w;
    // An error undoes the writes of a refused change.
    if (out.refusal != CatalogRefusal::none) return error(ErrorCode::failed_precondition, "refused");
    return {};
  });
  if (out.refusal != CatalogRefusal::none) return out;
  if (!st.ok()) return st;
  return out;
}

// out.record = the row just written.
template <typename Record>
Status read_back(Result<std::optional<Record>> got, CatalogOutcome<Record>& out) {
  if (!got.ok()) return got.status();
  if (!got->has_value()) return error(ErrorCode::internal, "a row just written cannot be read back");
  out.record = std::move(**got);
  return {};
}

template <typename Record>
void refuse(CatalogOutcome<Record>& out, CatalogRefusal why, const std::string& message) {
  out.refusal = why;
  out.message = message;
}

// The answer to a compare-and-set update of `record` (a pool, server or workspace) through `repo`.
template <typename Record, typename Repo>
Status updated(Result<store::UpdateOutcome> outcome, Repo& repo, const Record& record, const std::string& what,
               CatalogOutcome<Record>& out) {
  if (!outcome.ok()) return outcome.status();
  switch (*outcome) {
    case store::UpdateOutcome::updated: return read_back(repo.get(record.id), out);
    case store::UpdateOutcome::not_found: refuse(out, CatalogRefusal::not_found, "no " + what + " " + record.id); break;
    case store::UpdateOutcome::revision_mismatch: {
      auto now = repo.get(record.id);
      if (!now.ok()) return now.status();
      if (now->has_value()) out.stored_revision = (*now)->revision;
      refuse(out, CatalogRefusal::revision_conflict, what + " " + record.id + " changed meanwhile");
      break;
    }
    case store::UpdateOutcome::name_taken:
      refuse(out, CatalogRefusal::name_taken, "another " + what + " has that name");
      break;
    case store::UpdateOutcome::pool_not_found:
      refuse(out, CatalogRefusal::pool_not_found, "the pool named does not exist");
      break;
  }
  return {};
}

// Reads the row, then removes it; has_* refusals keep the row in out.record for the message.
template <typename Record, typename Repo>
Status removed(Repo& repo, const std::string& id, const std::string& what, CatalogOutcome<Record>& out) {
  auto got = repo.get(id);
  if (!got.ok()) return got.status();
  if (!got->has_value()) {
    refuse(out, CatalogRefusal::not_found, "no " + what + " " + id);
    return {};
  }
  out.record = std::move(**got);
  auto gone = repo.remove(id);
  if (!gone.ok()) return gone.status();
  switch (*gone) {
    case store::RemoveOutcome::removed: break;
    case store::RemoveOutcome::not_found: refuse(out, CatalogRefusal::not_found, "no " + what + " " + id); break;
    default:
      // The caller counts what remains (it knows the sessions in flight) and words it.
      refuse(out, CatalogRefusal::has_dependents, store::remove_outcome_name(*gone));
      break;
  }
  return {};
}

}  // namespace corral::broker::catalog
