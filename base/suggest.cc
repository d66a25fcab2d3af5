#include "base/suggest.h"

#include <algorithm>
#include <cctype>

namespace dandori {

int EditDistance(std::string_view a, std::string_view b, int cap) {
  int diff = static_cast<int>(a.size()) - static_cast<int>(b.size());
  if (std::abs(diff) > cap) return cap + 1;
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    int row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > cap) return cap + 1;
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

static std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Suggest(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.empty() || word.size() > 200) return "";
  int cap = std::max<int>(1, static_cast<int>(word.size()) / 3);
  std::string best;
  int best_d = cap + 1;
  std::string lw = Lower(word);
  for (const std::string& c : candidates) {
    if (c == word) continue;
    int d = Lower(c) == lw ? 0 : EditDistance(word, c, cap);
    // Also compare against the part after the family ("encod" vs "media.encode").
    size_t dot = c.find('.');
    if (dot != std::string::npos && word.find('.') == std::string_view::npos) {
      d = std::min(d, EditDistance(word, std::string_view(c).substr(dot + 1), cap));
    }
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string s = Suggest(word, candidates);
  return s.empty() ? "" : "; did you mean '" + s + "'?";
}

}  // namespace dandori
