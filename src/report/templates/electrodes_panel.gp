set origin {{origin}}
set size ratio -1 {{size}}
set title {{title}} font ',10'
set xlabel {{xlabel}} font ',9'
set ylabel {{ylabel}} font ',9'
set xrange [{{xrange}}]
set yrange [{{yrange}}]
plot {{atlas}}$ch using ($4 > 0 ? 1/0 : ${{cx}}):{{cy}} with points pt 7 ps 0.45 lc rgb '#a0a0a0', \
     $ch using ($4 > 0 ? ${{cx}} : 1/0):{{cy}}:5 with points pt 7 ps 1.0 lc rgb variable, \
     $ch using ($4 > 0 ? ${{cx}} : 1/0):{{cy}} with points pt 6 ps 1.0 lw 0.6 lc rgb '#222222'
