{% macro mask_name(expression) -%}
    {#- A run is any sequence of characters other than white space and ASCII punctuation. -#}
    {%- set run_start = "[^[:space:]!-/:-@[-`{-~]" -%}
    regexp_replace({{ expression }}, '({{ run_start }}){{ run_start }}*', '\1***', 'g')
{%- endmacro %}
