{% macro parse_integer(expression) -%}
    case
        when {{ expression }} ~ '^\s*-?[0-9]{1,9}\s*$'
            then trim({{ expression }})::integer
    end
{%- endmacro %}
