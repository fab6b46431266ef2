// The public header compiles as C++ and the std::string overloads resolve.
#include <string>

#include "ms_metrics.h"

int main()
{
    std::string name = "forward_req_total_num";
    setenv(MS_METRICS_RING_FILE_ENV, "/nonexistent/ms_metrics.ring", 1);
    int rc = REPORT_COUNTER(name, 1) + REPORT_METRIC("time_to_first_token_us", 1.5);
    return -2 == rc && 2 == ms_metrics_default_dropped_unopened() ? 0 : 1;
}
