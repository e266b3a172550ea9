#!/usr/bin/env python3
"""The facts `shelfgate inspect` reports, extracted with androguard, for the
side-by-side benchmark in scripts/bench-inspect.sh: package, versions, SDK
levels, permissions, components (exported attribute, intent-filter actions),
application flags and label, and the dex class list of every classes*.dex.

Only androguard's APK and DEX parsers run (no cross-reference Analysis,
which costs far more): the cheapest way androguard has to these facts.

Usage: bench-androguard.py APK  (prints the facts as JSON)
"""

import json
import sys

from loguru import logger

logger.remove()  # androguard logs every parsed structure at DEBUG

from androguard.core.apk import APK  # noqa: E402
from androguard.core.dex import DEX  # noqa: E402

NS = "{http://schemas.android.com/apk/res/android}"


def components(apk):
    out = []
    kinds = {
        "activity": apk.get_activities,
        "service": apk.get_services,
        "receiver": apk.get_receivers,
        "provider": apk.get_providers,
    }
    for kind, names in kinds.items():
        for name in names():
            filters = apk.get_intent_filters(kind, name)
            out.append(
                {
                    "kind": kind,
                    "name": name,
                    "exported": apk.get_attribute_value(kind, "exported", name=name),
                    "permission": apk.get_attribute_value(kind, "permission", name=name),
                    "intent_actions": filters.get("action", []),
                }
            )
    return out


def facts(path):
    apk = APK(path)
    classes = []
    files = 0
    for dex in apk.get_all_dex():
        files += 1
        classes.extend(DEX(dex).get_classes_names())
    app = lambda attr: apk.get_attribute_value("application", attr)  # noqa: E731
    return {
        "package": apk.get_package(),
        "version_code": apk.get_androidversion_code(),
        "version_name": apk.get_androidversion_name(),
        "min_sdk": apk.get_min_sdk_version(),
        "target_sdk": apk.get_effective_target_sdk_version(),
        "permissions": apk.get_permissions(),
        "components": components(apk),
        "application": {
            "debuggable": app("debuggable"),
            "allow_backup": app("allowBackup"),
            "uses_cleartext_traffic": app("usesCleartextTraffic"),
            "label": apk.get_app_name(),
        },
        "dex": {"files": files, "class_count": len(classes), "classes": classes},
    }


if __name__ == "__main__":
    json.dump(facts(sys.argv[1]), sys.stdout)
    sys.stdout.write("\n")
