// "Did you mean ...?" suggestions for misspelled names (operators, arguments, fields,
// stages, functions): the closest candidate by edit distance, when it is close enough.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dandori {

// Levenshtein distance, capped: returns a value > cap as soon as it exceeds cap.
int EditDistance(std::string_view a, std::string_view b, int cap = 1 << 20);

// The best candidate within max(1, |word|/3) edits (or equal ignoring case), or "".
std::string Suggest(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean 'x'?" or "" when there is no good suggestion.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace dandori
