{% macro mask_name(expression) -%}
    {#- Each run keeps its first character and becomes that character and ***. A run is any
        sequence of characters other than white space and ASCII punctuation (the class is written
        with \s and an escaped [ so that PostgreSQL's and Java's regular expressions read it
        alike: Spark reads [[:space:]] as the letters of "space"). -#}
    {{- return(adapter.dispatch('mask_name')(expression, "[^\\s!-/:-@\\[-`{-~]")) -}}
{%- endmacro %}

{% macro default__mask_name(expression, run_start) -%}
    regexp_replace({{ expression }}, {{ dbt.string_literal('(' ~ run_start ~ ')' ~ run_start ~ '*') }}, '\1***', 'g')
{%- endmacro %}

{% macro spark__mask_name(expression, run_start) -%}
    {#- Spark replaces every match without a flag, and names the group $1. -#}
    regexp_replace({{ expression }}, {{ spark_string_literal('(' ~ run_start ~ ')' ~ run_start ~ '*') }}, '$1***')
{%- endmacro %}
