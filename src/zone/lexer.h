// Master-file lexer (RFC 1035 section 5.1): splits zone text into entries of tokens,
// joining lines inside parentheses and dropping comments. No copies: tokens view the text.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fz::zone {

// One field of a master-file entry.
struct Token {
    std::string_view text;  // raw bytes, escapes not decoded; for a quoted string, what lies between the quotes
    uint32_t line = 0;      // 1-based line the token is on
    bool quoted = false;
    bool attached = false;  // no blank before it: key="value" is two tokens, the second attached
};

// The tokens of one entry: a record or a $ directive, on one line or several joined by ( ).
struct Entry {
    std::vector<Token> tokens;   // reused from entry to entry
    uint32_t line = 0;           // line of the first token
    bool owner_omitted = false;  // the line starts with a blank: the owner is the previous one
};

class Lexer {
public:
    // `text` must outlive the lexer and every token it hands out. A UTF-8 byte order mark
    // at the start (some editors write one) is skipped.
    explicit Lexer(std::string_view text) : text_(text) {
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = start_ = 3;
    }

    // Fills `entry` with the next entry that has tokens; false at the end of the text.
    // Errors (unbalanced parenthesis, unterminated quoted string) carry the line, no file.
    Result<bool> next(Entry& entry);

private:
    std::string_view text_;
    size_t start_ = 0;
    size_t pos_ = 0;
    uint32_t line_ = 1;
};

// Tokens of a short text (one record's rdata, for tools and tests); parentheses, quotes and
// comments behave as in a zone file, newlines outside parentheses are blanks.
Result<std::vector<Token>> tokenize(std::string_view text);

}  // namespace fz::zone
