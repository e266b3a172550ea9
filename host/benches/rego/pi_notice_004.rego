# PI-NOTICE-004's core in Rego, for the benchmark against the same rule as
# a WebAssembly component (policies/test-programs/bench-notice-004).
# `data.sensitive` is loaded by the bench from policies/data/android-permissions.json,
# the table the component is built from.
package shelfgate.pi_notice_004

import rego.v1

findings contains f if {
	some p in input.facts.uses_permissions
	data.sensitive[p.name]
	not declared(p.name)
	f := {
		"rule_id": "PI-NOTICE-004",
		"decision": "rectify",
		"message_en": sprintf("%s has no stated purpose.", [p.name]),
		"evidence": [{"source": "manifest", "path": sprintf("uses-permission[@name='%s']", [p.name]), "value": "true"}],
	}
}

declared(name) if {
	some d in input.listing.permissions
	d.name == name
	trim_space(d.purpose_zh) != ""
	count(d.feature_ids) > 0
}
