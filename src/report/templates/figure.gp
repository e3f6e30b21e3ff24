reset
set terminal pngcairo size {{width}},{{height}} noenhanced font 'DejaVu Sans,11'
set output {{output}}
