set title 'Spearman correlation between layer RDMs'
set xrange [-0.5:{{last_layer}}.5]
set yrange [{{last_layer}}.5:-0.5]
set xtics rotate by 45 right
set xtics ({{layers}})
set ytics ({{layers}})
set palette defined (-1 '#2166ac', 0 '#f7f7f7', 1 '#b2182b')
set cbrange [-1:1]
set size square
unset key
$m << EOD
{{matrix}}
EOD
plot $m matrix with image, $m matrix using 1:2:(sprintf('%.2f', $3)) with labels font ',8'
