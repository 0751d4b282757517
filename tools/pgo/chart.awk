# An SVG chart of the PGO table: CPU speed-up over `release` per backend and build, with min–max whiskers.
# Reads the Markdown report that measure.sh writes (target/pgo/report.md, or docs/PERFORMANCE.md itself: only
# the "Measured by" line and the table rows after it, up to the end marker of the PGO block, are used, so other
# tables in the file are never drawn) and writes SVG, drawn by hand, to stdout:
#     awk -f tools/pgo/chart.awk target/pgo/report.md > docs/img/pgo-speedup.svg
# The bar is the table's speed-up (release CPU median / build CPU median); the whisker spans
# release median / build max … release median / build min. The y axis is logarithmic (base 2), bars grow
# from 1×. Plain POSIX awk (mawk is enough); same table, same bytes.

function number_of(text) { gsub(/[^0-9.]/, "", text); return text + 0 }

function y_of(value) { return plot_bottom - (log(value) - log(y_min)) / (log(y_max) - log(y_min)) * plot_height }

function build_class(build) {
    if (build == "release") return 1
    if (build == "release-lto-thin") return 2
    if (build == "release-lto-fat") return 3
    if (build == "pgo-dist") return 5
    return 4  # pgo-<backend>
}

function escape(text) { gsub(/&/, "\\&amp;", text); gsub(/</, "\\&lt;", text); gsub(/>/, "\\&gt;", text); return text }

/^Measured by / { measured = $0; sub(/^Measured by /, "", measured); sub(/\.$/, "", measured); gsub(/`/, "", measured); in_report = 1 }
/<!-- pgo-table:end -->/ { in_report = 0 }

# | backend | build | wall s (min–max) | CPU s (min–max) | CPU speed-up | instructions | vs release |
# or, since the ingest workload, the same with a leading `| workload |` cell: then the first workload is drawn.
in_report && (/^\| [a-z0-9]+ \| [a-z0-9-]+ \| [0-9]/ || /^\| [a-z]+ \| [a-z0-9]+ \| [a-z0-9-]+ \| [0-9]/) {
    n = split($0, cell, "|")
    if (n == 10) {
        workload = cell[2]; gsub(/ /, "", workload)
        if (charted_workload == "") charted_workload = workload
        if (workload != charted_workload) next
        for (i = 2; i < n; i++) cell[i] = cell[i + 1]
    }
    backend = cell[2]; gsub(/ /, "", backend)
    build = cell[3]; gsub(/ /, "", build)
    cpu = cell[5]
    median = cpu; sub(/\(.*/, "", median)
    range = cpu; sub(/.*\(/, "", range); sub(/\).*/, "", range)
    split(range, ends, "–")
    if (!(backend in seen)) { seen[backend] = 1; backends[++backend_count] = backend }
    key = backend SUBSEP build
    rows[backend, ++row_count[backend]] = build
    cpu_median[key] = number_of(median); cpu_min[key] = number_of(ends[1]); cpu_max[key] = number_of(ends[2])
    speed_up[key] = number_of(cell[6])
}

END {
    if (backend_count == 0) { print "chart.awk: no PGO table rows in the input" > "/dev/stderr"; exit 1 }
    width = 960; height = 460
    plot_left = 70; plot_right = width - 20; plot_top = 92; plot_bottom = height - 58
    plot_height = plot_bottom - plot_top
    y_min = 0.5; y_max = 2
    for (b = 1; b <= backend_count; b++) {
        base = cpu_median[backends[b], "release"]
        for (r = 1; r <= row_count[backends[b]]; r++) {
            key = backends[b] SUBSEP rows[backends[b], r]
            if (base > 0 && cpu_min[key] > 0) {
                top = base / cpu_min[key]
                while (top > y_max * 0.92) y_max *= 2
                low = base / cpu_max[key]
                while (low < y_min * 1.08) y_min /= 2
            }
        }
    }
    colour[1] = "#9AA0A6"; colour[2] = "#7FB3D5"; colour[3] = "#2E86C1"; colour[4] = "#E67E22"; colour[5] = "#8E44AD"
    legend[1] = "release (no LTO)"; legend[2] = "release-lto-thin"; legend[3] = "release-lto-fat"
    legend[4] = "pgo-BACKEND"; legend[5] = "pgo-dist"

    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" ", width, height, width, height
    print "font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"12\">"
    printf "<rect width=\"%d\" height=\"%d\" fill=\"#FFFFFF\"/>\n", width, height
    print "<text x=\"20\" y=\"26\" font-size=\"17\" font-weight=\"bold\" fill=\"#1F232B\">`barsmith bars` CPU speed-up over release (no LTO), per SIMD backend and build</text>"
    printf "<text x=\"20\" y=\"46\" fill=\"#5D636F\">%s · bar = median, whisker = min–max of the repetitions · log scale</text>\n", escape(measured)

    for (c = 1; c <= 5; c++) {
        x = 20 + (c - 1) * 150
        printf "<rect x=\"%d\" y=\"60\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, colour[c]
        printf "<text x=\"%d\" y=\"70\" fill=\"#1F232B\">%s</text>\n", x + 17, legend[c]
    }

    for (v = y_min; v <= y_max * 1.001; v *= 2) {
        y = y_of(v)
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"/>", plot_left, y, plot_right, y, v == 1 ? "#5D636F" : "#E3E6EB", v == 1 ? "1.5" : "1"
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#5D636F\">%g×</text>\n", plot_left - 8, y + 4, v
    }
    printf "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\" fill=\"#1F232B\">CPU speed-up</text>\n", (plot_top + plot_bottom) / 2, (plot_top + plot_bottom) / 2

    group_width = (plot_right - plot_left) / backend_count
    for (b = 1; b <= backend_count; b++) {
        backend = backends[b]
        base = cpu_median[backend, "release"]
        count = row_count[backend]
        slot = (group_width - 30) / count
        bar_width = slot * 0.72
        for (r = 1; r <= count; r++) {
            build = rows[backend, r]
            key = backend SUBSEP build
            if (!(base > 0 && cpu_median[key] > 0 && speed_up[key] > 0)) continue
            speed = speed_up[key]
            x = plot_left + (b - 1) * group_width + 15 + (r - 1) * slot + (slot - bar_width) / 2
            y_one = y_of(1); y_value = y_of(speed)
            top = y_value < y_one ? y_value : y_one
            bar_height = y_value < y_one ? y_one - y_value : y_value - y_one
            if (bar_height < 1) bar_height = 1
            printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %.2f× (CPU %.2f s, min %.2f, max %.2f)</title></rect>\n", x, top, bar_width, bar_height, colour[build_class(build)], backend, build, speed, cpu_median[key], cpu_min[key], cpu_max[key]
            centre = x + bar_width / 2
            y_fast = y_of(base / cpu_min[key]); y_slow = y_of(base / cpu_max[key])
            printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1F232B\"/>", centre, y_fast, centre, y_slow
            printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1F232B\"/>", centre - 4, y_fast, centre + 4, y_fast
            printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1F232B\"/>\n", centre - 4, y_slow, centre + 4, y_slow
            label_y = (speed >= 1 ? y_fast - 5 : y_slow + 13)
            printf "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\" fill=\"#1F232B\">%.2f</text>\n", centre, label_y, speed
        }
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\" fill=\"#1F232B\">%s</text>\n", plot_left + (b - 0.5) * group_width, plot_bottom + 24, backend
    }
    printf "<text x=\"%d\" y=\"%d\" fill=\"#5D636F\">Generated by tools/pgo/chart.awk from the table in docs/PERFORMANCE.md (\"PGO\").</text>\n", plot_left, height - 10
    print "</svg>"
}
