// The main of every unit test executable: doctest's own, plus the skip report of skip.hpp.
#define DOCTEST_CONFIG_IMPLEMENT
#include "skip.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace {

struct Skip {
    std::string test_case;
    std::string where;
    std::string reason;
};

std::vector<Skip>& skips()
{
    static std::vector<Skip> list;
    return list;
}

std::string& current_case()
{
    static std::string name;
    return name;
}

// Remembers the running test case, so a skip can name it.
struct CaseNames : doctest::IReporter {
    explicit CaseNames(const doctest::ContextOptions&) { }
    void report_query(const doctest::QueryData&) override { }
    void test_run_start() override { }
    void test_run_end(const doctest::TestRunStats&) override { }
    void test_case_start(const doctest::TestCaseData& data) override { current_case() = data.m_name; }
    void test_case_reenter(const doctest::TestCaseData&) override { }
    void test_case_end(const doctest::CurrentTestCaseStats&) override { }
    void test_case_exception(const doctest::TestCaseException&) override { }
    void subcase_start(const doctest::SubcaseSignature&) override { }
    void subcase_end() override { }
    void log_assert(const doctest::AssertData&) override { }
    void log_message(const doctest::MessageData&) override { }
    void test_case_skipped(const doctest::TestCaseData&) override { }
};

} // namespace

DOCTEST_REGISTER_LISTENER("hull-case-names", 1, CaseNames);

void hull::test::record_skip(const std::string& reason, const char* file, int line)
{
    skips().push_back({current_case(), std::string(file) + ":" + std::to_string(line), reason});
}

int main(int argc, char** argv)
{
    doctest::Context context(argc, argv);
    int result = context.run();
    if (context.shouldExit() || skips().empty())
        return result;
    for (const Skip& s : skips())
        std::printf("SKIPPED: %s (%s): %s\n", s.test_case.c_str(), s.where.c_str(), s.reason.c_str());
    return result == 0 ? hull::test::kSkipExitCode : result;
}
