# Markdown rows of the PGO table from times.tsv ("workload backend variant rep wall cpu") and
# instructions.tsv ("workload backend variant instructions"). Pass -v backends="scalar avx2 ..." and
# -v workloads="features ingest".

function median(list,    v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++)  # insertion sort, n is small
        for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function lo(list,    v, n, i, m) { n = split(list, v, " "); m = v[1]; for (i = 2; i <= n; i++) if (v[i] + 0 < m + 0) m = v[i]; return m }
function hi(list,    v, n, i, m) { n = split(list, v, " "); m = v[1]; for (i = 2; i <= n; i++) if (v[i] + 0 > m + 0) m = v[i]; return m }
function ratio(base, x) {
    if (x == 0 || base == "") return "–"
    r = base / x
    return sprintf("%.2f×%s", r, r < 0.995 ? " (slower)" : "")
}

FILENAME ~ /times/ {
    key = $1 SUBSEP $2 SUBSEP $3
    if (!(key in wall)) order[++count] = key
    wall[key] = wall[key] " " $5
    cpu[key] = cpu[key] " " $6
}
FILENAME ~ /instructions/ { ir[$1 SUBSEP $2 SUBSEP $3] = $4 }

END {
    nw = split(workloads, w, " ")
    nb = split(backends, b, " ")
    for (j = 1; j <= nw; j++) for (i = 1; i <= nb; i++) {
        base = w[j] SUBSEP b[i] SUBSEP "release"
        base_cpu = median(cpu[base])
        base_ir = ir[base]
        for (k = 1; k <= count; k++) {
            split(order[k], parts, SUBSEP)
            if (parts[1] != w[j] || parts[2] != b[i]) continue
            key = order[k]
            c = median(cpu[key])
            instr = (key in ir) ? ir[key] : ""
            printf "| %s | %s | %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %s | %s | %s |\n", parts[1], parts[2], parts[3],
                median(wall[key]), lo(wall[key]), hi(wall[key]), c, lo(cpu[key]), hi(cpu[key]), ratio(base_cpu, c),
                instr == "" ? (b[i] == "avx512" ? "skipped (valgrind: no AVX-512)" : "–") : instr,
                instr == "" || base_ir == "" ? "–" : sprintf("%.3f", instr / base_ir)
        }
    }
}
