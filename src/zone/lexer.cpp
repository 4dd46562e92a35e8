// Master-file lexer (RFC 1035 section 5.1): one pass over the text with a byte-class table.
#include "zone/lexer.h"

#include <array>

namespace fz::zone {
namespace {

enum CharClass : uint8_t {
    kOrdinary = 0,
    kBlank,  // space, tab, carriage return
    kNewline,
    kComment,  // ;
    kOpen,     // (
    kClose,    // )
    kQuote,    // "
    kBackslash,
};

constexpr std::array<uint8_t, 256> kClassOf = [] {
    std::array<uint8_t, 256> t{};
    t[' '] = kBlank;
    t['\t'] = kBlank;
    t['\r'] = kBlank;
    t['\n'] = kNewline;
    t[';'] = kComment;
    t['('] = kOpen;
    t[')'] = kClose;
    t['"'] = kQuote;
    t['\\'] = kBackslash;
    return t;
}();

inline uint8_t class_of(char c) { return kClassOf[static_cast<uint8_t>(c)]; }

}  // namespace

Result<bool> Lexer::next(Entry& entry) {
    entry.tokens.clear();
    entry.owner_omitted = false;
    const char* s = text_.data();
    const size_t n = text_.size();
    unsigned depth = 0;
    uint32_t open_line = 0;
    bool line_start = pos_ == start_ || s[pos_ - 1] == '\n';
    bool attached = false;

    while (pos_ < n) {
        // Whether the owner is omitted is decided by the first byte of the physical line
        // that carries the entry's first token; blank and comment-only lines do not count.
        if (line_start && depth == 0 && entry.tokens.empty()) {
            entry.owner_omitted = s[pos_] == ' ' || s[pos_] == '\t';
        }
        line_start = false;
        char c = s[pos_];
        switch (class_of(c)) {
            case kBlank:
                ++pos_;
                attached = false;
                continue;
            case kNewline:
                ++pos_;
                ++line_;
                line_start = true;
                attached = false;
                if (depth == 0 && !entry.tokens.empty()) return true;
                continue;
            case kComment:
                while (pos_ < n && s[pos_] != '\n') ++pos_;
                continue;
            case kOpen:
                if (depth == 0) open_line = line_;
                ++depth;
                ++pos_;
                attached = false;
                continue;
            case kClose:
                if (depth == 0) return Error{"", line_, "unbalanced parenthesis: ')' without '('"};
                --depth;
                ++pos_;
                attached = false;
                continue;
            case kQuote: {
                uint32_t start_line = line_;
                size_t start = ++pos_;
                while (true) {
                    if (pos_ >= n || s[pos_] == '\n') {
                        return Error{"", start_line, "unterminated quoted string"};
                    }
                    if (s[pos_] == '"') break;
                    if (s[pos_] == '\\' && pos_ + 1 < n && s[pos_ + 1] != '\n') ++pos_;
                    ++pos_;
                }
                if (entry.tokens.empty()) entry.line = start_line;
                entry.tokens.push_back(Token{text_.substr(start, pos_ - start), start_line, true, attached});
                ++pos_;  // the closing quote
                attached = true;
                continue;
            }
            default: {
                size_t start = pos_;
                while (pos_ < n) {
                    uint8_t k = class_of(s[pos_]);
                    if (k == kOrdinary) {
                        ++pos_;
                    } else if (k == kBackslash) {
                        // An escape takes the next byte whatever it is, except a newline.
                        pos_ += (pos_ + 1 < n && s[pos_ + 1] != '\n') ? 2 : 1;
                    } else {
                        break;
                    }
                }
                if (entry.tokens.empty()) entry.line = line_;
                entry.tokens.push_back(Token{text_.substr(start, pos_ - start), line_, false, attached});
                attached = true;
                continue;
            }
        }
    }
    if (depth != 0) return Error{"", open_line, "unbalanced parenthesis: '(' never closed"};
    return !entry.tokens.empty();
}

Result<std::vector<Token>> tokenize(std::string_view text) {
    // Entries are concatenated: a newline outside parentheses is just another blank here.
    Lexer lexer(text);
    Entry entry;
    std::vector<Token> out;
    while (true) {
        auto more = lexer.next(entry);
        if (!more.ok()) return more.error();
        if (!*more) break;
        out.insert(out.end(), entry.tokens.begin(), entry.tokens.end());
    }
    return out;
}

}  // namespace fz::zone
