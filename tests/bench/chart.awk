# chart.awk: a grouped bar chart (SVG) of median milliseconds per container, for report.sh.
# Input: "group<TAB>runtime<TAB>median_ms" lines, or "refused" instead of a figure; -v title=...
# Plain awk and SVG, so the chart needs nothing beyond what the benchmark already uses.
BEGIN {
	FS = "\t"
	nrt = split("hull crun runc floor", rts, " ")
	color["hull"] = "#2b7bba"; color["crun"] = "#e08a2c"; color["runc"] = "#7a7a7a"; color["floor"] = "#4daf4a"
	label["hull"] = "hull"; label["crun"] = "crun"; label["runc"] = "runc"; label["floor"] = "kernel floor"
}
!($1 in seen) { seen[$1] = 1; groups[++ng] = $1 }
{ val[$1, $2] = $3; if ($3 != "refused" && $3 + 0 > top) top = $3 + 0 }
# nice_ceiling: the axis top, a round figure above the largest bar.
function nice_ceiling(v,   step) {
	step = 1
	while (step * 10 < v) step *= 10
	if (step * 2 >= v) return step * 2
	if (step * 5 >= v) return step * 5
	return step * 10
}
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }
END {
	w = 800; h = 380; left = 50; right = 20; topm = 60; bottom = 70
	plot_w = w - left - right; plot_h = h - topm - bottom
	ymax = nice_ceiling(top > 0 ? top : 1)
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h, w, h
	printf "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", w, h
	printf "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>\n", left, esc(title)
	# Legend.
	for (i = 1; i <= nrt; i++) {
		x = left + (i - 1) * 120
		printf "<rect x=\"%d\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"43\">%s</text>\n", x, color[rts[i]], x + 16, label[rts[i]]
	}
	# Axis with five gridlines.
	for (i = 0; i <= 5; i++) {
		v = ymax * i / 5; y = topm + plot_h - plot_h * i / 5
		printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y, w - right, y
		printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", left - 5, y + 4, v
	}
	printf "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">ms</text>\n", topm + plot_h / 2, topm + plot_h / 2
	gw = plot_w / (ng > 0 ? ng : 1); bw = gw * 0.8 / nrt
	for (g = 1; g <= ng; g++) {
		x0 = left + (g - 1) * gw + gw * 0.1
		for (i = 1; i <= nrt; i++) {
			if (!((groups[g], rts[i]) in val)) continue
			v = val[groups[g], rts[i]]; x = x0 + (i - 1) * bw
			if (v == "refused") {
				printf "<text x=\"%.1f\" y=\"%d\" transform=\"rotate(-90 %.1f %d)\" font-size=\"10\">%s refuses</text>\n", x + bw / 2 + 4, topm + plot_h - 4, x + bw / 2 + 4, topm + plot_h - 4, rts[i]
				continue
			}
			bh = plot_h * v / ymax; y = topm + plot_h - bh
			printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x, y, bw - 2, bh, color[rts[i]]
			printf "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">%.1f</text>\n", x + bw / 2 - 1, y - 3, v
		}
		# The group's title in two lines, split at its first ", ", so neighbours never overlap.
		t = groups[g]; t2 = ""
		if ((k = index(t, ", ")) > 0) { t2 = substr(t, k + 2); t = substr(t, 1, k - 1) }
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s", x0 + gw * 0.4, topm + plot_h + 18, esc(t)
		printf "<tspan x=\"%.1f\" dy=\"15\">%s</tspan></text>\n", x0 + gw * 0.4, esc(t2)
	}
	printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n</svg>\n", left, topm + plot_h, w - right, topm + plot_h
}
