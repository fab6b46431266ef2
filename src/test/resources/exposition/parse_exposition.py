# Parses an exposition body with prometheus_client and prints one line per sample:
#   <family>|<type>|<sample name>|<labels as sorted k=v, comma separated>|<float repr of value>
# with backslash and line feed in label values escaped as \\ and \n, so one sample is one line.
# Usage: python3 parse_exposition.py text|openmetrics <body file>
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

fmt, path = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    body = f.read()
parse = parse_openmetrics if fmt == "openmetrics" else parse_text
for family in parse(body):
    for s in family.samples:
        labels = ",".join(
            "%s=%s" % (k, v.replace("\\", "\\\\").replace("\n", "\\n"))
            for k, v in sorted(s.labels.items())
        )
        print("%s|%s|%s|%s|%r" % (family.name, family.type, s.name, labels, float(s.value)))
