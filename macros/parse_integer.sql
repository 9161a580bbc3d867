{% macro parse_integer(expression) -%}
    {#- The first branch is a shortcut for plain digits (most values), which the pattern of the
        second branch would accept too; it spares them the cost of a regular expression. -#}
    case
        when
            octet_length({{ expression }}) between 1 and 9
            and ltrim({{ expression }}, '0123456789') = ''
            then {{ expression }}::integer
        when {{ expression }} ~ '^\s*-?[0-9]{1,9}\s*$'
            then trim({{ expression }})::integer
    end
{%- endmacro %}
